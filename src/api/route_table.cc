#include "api/route_table.h"

#include <cstdio>
#include <deque>

#include "api/module.h"
#include "base/check.h"

namespace cb::api {

namespace {

// Served at the edge from the journal (api/event_feed.h), not by a service's op.
constexpr RouteSpec kEdgeRoutes[] = {
    {.method = "GET",
     .pattern = "/v1/events",
     .service = "edge",
     .scope = kernel::kScopeEventsRead,
     .kind = RouteKind::kEventFeed},
};

// Splits "/v1/a/b" into segments and matches a pattern; fills the {} params.
bool Match(std::string_view pattern, std::string_view path, std::vector<std::string_view>* params) {
  params->clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/');
    const size_t ae = path.find('/');
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view aseg = path.substr(0, ae);
    if (!pseg.empty() && pseg[0] == '{') {
      if (aseg.empty()) return false;
      params->push_back(aseg);
    } else if (pseg != aseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? "" : pattern.substr(pe);
    path = ae == std::string_view::npos ? "" : path.substr(ae);
  }
  return true;
}

bool registry_built = false;

std::vector<std::string_view> Segments(std::string_view pattern) {
  std::vector<std::string_view> out;
  while (!pattern.empty()) {
    pattern.remove_prefix(1);  // '/'
    const size_t end = pattern.find('/');
    out.push_back(pattern.substr(0, end));
    pattern = end == std::string_view::npos ? "" : pattern.substr(end);
  }
  return out;
}

// `later` can never be reached: an earlier route of the same method matches every path it
// matches (each segment equal, or a {param} in the earlier one). Routes match in order, so a
// literal segment must come before a {param} in the same place, whichever service owns them.
bool Shadowed(const RouteSpec& earlier, const RouteSpec& later) {
  if (earlier.method != later.method) return false;
  const std::vector<std::string_view> a = Segments(earlier.pattern);
  const std::vector<std::string_view> b = Segments(later.pattern);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] != b[i] && !(!a[i].empty() && a[i][0] == '{')) return false;
  }
  return true;
}

// A route naming its scope, with the scope resolved (the tables themselves are constant).
const RouteSpec* Resolved(const RouteSpec& r) {
  if (r.scope_name.empty()) return &r;
  static std::deque<RouteSpec> resolved;  // stable addresses, built once
  RouteSpec copy = r;
  copy.scope = kernel::ScopeNamed(r.scope_name);
  if (copy.scope.empty()) {
    std::fprintf(stderr, "corebank: route %.*s %.*s names the unregistered scope \"%.*s\"\n",
                 static_cast<int>(r.method.size()), r.method.data(),
                 static_cast<int>(r.pattern.size()), r.pattern.data(),
                 static_cast<int>(r.scope_name.size()), r.scope_name.data());
  }
  // Unknown scopes are refused at registration, and so are the OIDC claim scopes: a route
  // needs an API permission (one a key's role can hold).
  CB_CHECK(!copy.scope.empty());
  CB_CHECK(kernel::ApiScopes().Covers(copy.scope));
  resolved.push_back(copy);
  return &resolved.back();
}

std::vector<const RouteSpec*> BuildRegistry() {
  registry_built = true;
  kernel::CloseScopeRegistration();  // every route's scope is known from here on
  std::vector<const RouteSpec*> all;
  // Every service's table (built-in and modules, api/module.h), the edge's own after the
  // platform's (the order `corebank routes` has always printed).
  std::vector<std::span<const RouteSpec>> tables;
  for (const ServiceModule* m : Modules()) {
    tables.push_back(m->routes());
    if (tables.size() == 1) tables.push_back(EdgeRoutes());
  }
  for (std::span<const RouteSpec> table : tables) {
    for (const RouteSpec& spec : table) {
      CB_CHECK(spec.scope.empty() || spec.scope_name.empty());  // one way to name it
      const RouteSpec& r = *Resolved(spec);
      CB_CHECK(r.method == "GET" || r.method == "POST" || r.method == "PUT");
      CB_CHECK(r.pattern.substr(0, 4) == "/v1/");
      CB_CHECK(kernel::ScopeName(r.scope) != nullptr);  // exactly one known scope
      CB_CHECK((r.kind == RouteKind::kEventFeed) == (r.build == nullptr));
      for (const RouteSpec* other : all) {  // one owner a method and path
        if (Shadowed(*other, r)) {
          std::fprintf(stderr, "corebank: route %.*s %.*s is shadowed by %.*s\n",
                       static_cast<int>(r.method.size()), r.method.data(),
                       static_cast<int>(r.pattern.size()), r.pattern.data(),
                       static_cast<int>(other->pattern.size()), other->pattern.data());
        }
        CB_CHECK(!Shadowed(*other, r));
      }
      all.push_back(&r);
    }
  }
  return all;
}

}  // namespace

std::span<const RouteSpec> EdgeRoutes() { return kEdgeRoutes; }

Hash256 RequestSha256(std::string_view method, std::string_view path, std::string_view content) {
  Sha256 h;
  h.Update(method.data(), method.size());
  h.Update(" ", 1);
  h.Update(path.data(), path.size());
  h.Update("\n", 1);
  h.Update(content.data(), content.size());
  return h.Finish();
}

bool RouteRegistryBuilt() { return registry_built; }

const std::vector<const RouteSpec*>& AllRoutes() {
  static const std::vector<const RouteSpec*> all = BuildRegistry();
  return all;
}

const RouteSpec* FindRoute(std::string_view method, std::string_view path,
                           std::vector<std::string_view>* params, bool* path_known) {
  *path_known = false;
  for (const RouteSpec* r : AllRoutes()) {
    if (!Match(r->pattern, path, params)) continue;
    *path_known = true;
    if (method == r->method) return r;
  }
  params->clear();
  return nullptr;
}

std::string DumpRoutes() {
  std::string out;
  for (const RouteSpec* r : AllRoutes()) {
    out.append("route ").append(r->method).append(" ").append(r->pattern);
    out.append(" service=").append(r->service);
    out.append(" scope=").append(kernel::ScopeName(r->scope));
    out.append(r->step_up ? " step_up=true\n" : " step_up=false\n");
  }
  for (std::string_view scope : kernel::AllScopeNames()) {
    out.append("scope ").append(scope).append("\n");
  }
  return out;
}

}  // namespace cb::api
