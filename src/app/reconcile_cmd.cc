// `corebank reconcile --url URL --file STATEMENT.xml`: posts a camt.053 statement to a running
// server's POST /v1/reconciliations (issue 15) with a root admin's API key (COREBANK_API_KEY
// or --key), prints the answer and one summary line. Exit 0: every entry matched; 1: there
// are exceptions; 2: the statement could not be reconciled (unreadable, refused, no server).
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "app/commands.h"
#include "http/client.h"
#include "kernel/ids.h"

namespace cb::app {

int RunReconcile(const std::string& url, const std::string& key_flag, const std::string& file) {
  std::string key = key_flag;
  if (key.empty()) {
    if (const char* env = std::getenv("COREBANK_API_KEY")) key = env;
  }
  if (key.empty()) {
    std::fprintf(stderr, "reconcile: an API key is needed (--key or COREBANK_API_KEY)\n");
    return 2;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "reconcile: cannot read %s\n", file.c_str());
    return 2;
  }
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<std::unique_ptr<http::HttpClient>> client = http::HttpClient::Create(url);
  if (!client.ok()) {
    std::fprintf(stderr, "reconcile: %s\n", client.status().ToString().c_str());
    return 2;
  }
  boost::json::object body;
  body["camt053"] = xml;
  const std::string request = boost::json::serialize(body);
  // The key travels as a header; the idempotency key makes a retried run harmless.
  Result<http::ClientResponse> r = (*client)->Call(
      "POST", "/v1/reconciliations", request, "application/json", 60'000, 64u << 20,
      {{"Authorization", "Bearer " + key},
       {"Idempotency-Key", "reconcile-" + kernel::FormatId("", kernel::RandomU128())}});
  if (!r.ok()) {
    std::fprintf(stderr, "reconcile: %s\n", r.status().ToString().c_str());
    return 2;
  }
  std::printf("%s\n", r->body.c_str());
  if (r->status != 201) {
    std::fprintf(stderr, "reconcile: the server answered %u\n", r->status);
    return 2;
  }
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r->body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr || !o->contains("exceptions_total")) {
    std::fprintf(stderr, "reconcile: an answer without exceptions_total\n");
    return 2;
  }
  const int64_t entries = o->at("entries").to_number<int64_t>();
  const int64_t matched = o->at("matched").to_number<int64_t>();
  const int64_t exceptions = o->at("exceptions_total").to_number<int64_t>();
  std::printf("reconcile: entries=%lld matched=%lld exceptions=%lld\n",
              static_cast<long long>(entries), static_cast<long long>(matched),
              static_cast<long long>(exceptions));
  return exceptions == 0 ? 0 : 1;
}

}  // namespace cb::app
