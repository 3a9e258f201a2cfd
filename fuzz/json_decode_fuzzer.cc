// libFuzzer target: every /v1 platform decoder (api/decode.h) and api::ParseQuery.
//
// Input: byte 0 picks the decoder (index into Decoders(), modulo its size); the rest is
//   <path segment>?<query>\n<body>
// i.e. the first line as the router hands it over (segment still percent-encoded, query raw)
// and the remainder the request body. Without a newline all of the rest is the body.
// Seeds: fuzz/corpus/json_decode_fuzzer/, dictionary: fuzz/json_decode_fuzzer.dict.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/decode.h"
#include "base/check.h"
#include "fuzz/decode_invariants.h"

namespace {

using namespace cb;
using namespace cb::platform;

template <typename Op>
size_t IndexOf() {
  return OpBody(std::in_place_type<Op>).index();
}

struct Decoder {
  api::DecodeFn fn;
  size_t index_expected;  // the OpBody alternative the route produces
  int flag_expected;      // see CheckDecodedOp; -1: none
};

// Append only: the first byte of every committed seed indexes this table.
const std::vector<Decoder>& Decoders() {
  constexpr int kFreeze = static_cast<int>(AccountAction::kFreeze);
  constexpr int kUnfreeze = static_cast<int>(AccountAction::kUnfreeze);
  constexpr int kClose = static_cast<int>(AccountAction::kClose);
  static const std::vector<Decoder> kDecoders = {
      {api::DecodeCreateTenant, IndexOf<CreateTenantOp>(), -1},          // 0
      {api::DecodeGetTenant, IndexOf<GetTenantOp>(), -1},                // 1
      {api::DecodeListTenants, IndexOf<ListTenantsOp>(), -1},            // 2
      {api::DecodeCreateApiKey, IndexOf<CreateApiKeyOp>(), -1},          // 3
      {api::DecodeListApiKeys, IndexOf<ListApiKeysOp>(), -1},            // 4
      {api::DecodeRevokeApiKey, IndexOf<RevokeApiKeyOp>(), -1},          // 5
      {api::DecodeCreateCustomer, IndexOf<CreateCustomerOp>(), -1},      // 6
      {api::DecodeUpdateCustomer, IndexOf<UpdateCustomerOp>(), -1},      // 7
      {api::DecodeGetCustomer, IndexOf<GetCustomerOp>(), -1},            // 8
      {api::DecodeListCustomers, IndexOf<ListCustomersOp>(), -1},        // 9
      {api::DecodeOpenAccount, IndexOf<OpenAccountOp>(), -1},            // 10
      {api::DecodeGetAccount, IndexOf<GetAccountOp>(), -1},              // 11
      {api::DecodeListAccounts, IndexOf<ListAccountsOp>(), -1},          // 12
      {api::DecodeGetBalances, IndexOf<GetBalancesOp>(), -1},            // 13
      {api::DecodeListTransactions, IndexOf<ListTransactionsOp>(), -1},  // 14
      {api::DecodeFreeze, IndexOf<AccountActionOp>(), kFreeze},          // 15
      {api::DecodeUnfreeze, IndexOf<AccountActionOp>(), kUnfreeze},      // 16
      {api::DecodeClose, IndexOf<AccountActionOp>(), kClose},            // 17
      {api::DecodeGetAlias, IndexOf<GetAliasOp>(), -1},                  // 18
      {api::DecodeCreateTransfer, IndexOf<CreateTransferOp>(), -1},      // 19
      {api::DecodeBatchTransfers, IndexOf<BatchTransfersOp>(), -1},      // 20
      {api::DecodePost, IndexOf<PostVoidOp>(), 0},                       // 21
      {api::DecodeVoid, IndexOf<PostVoidOp>(), 1},                       // 22
      {api::DecodeGetTransfer, IndexOf<GetTransferOp>(), -1},            // 23
      {api::DecodeListTransfers, IndexOf<ListTransfersOp>(), -1},        // 24
      {api::DecodeSandboxDeposit, IndexOf<SandboxDepositOp>(), -1},      // 25
      {api::DecodeCreateAdjustment, IndexOf<CreateAdjustmentOp>(), -1},  // 26
      {api::DecodeGetAdjustment, IndexOf<GetAdjustmentOp>(), -1},        // 27
      {api::DecodeListAdjustments, IndexOf<ListAdjustmentsOp>(), -1},    // 28
      {api::DecodeApproveAdjustment, IndexOf<DecideAdjustmentOp>(), 1},  // 29
      {api::DecodeRejectAdjustment, IndexOf<DecideAdjustmentOp>(), 0},   // 30
  };
  return kDecoders;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::vector<Decoder>& decoders = Decoders();
  const Decoder& decoder = decoders[data[0] % decoders.size()];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view line, body = rest;
  if (const size_t nl = rest.find('\n'); nl != std::string_view::npos) {
    line = rest.substr(0, nl);
    body = rest.substr(nl + 1);
  }
  const size_t q = line.find('?');
  const std::string_view raw_query = q == std::string_view::npos ? "" : line.substr(q + 1);

  // As the router does: a bad escape in the path or the query is its own 400, before any
  // decoder runs. Every route has at most one {id}; routes without one never look at it.
  std::string segment;
  if (!http::PercentDecode(line.substr(0, q), &segment)) return 0;
  api::RouteInput in;
  in.path_params.push_back(segment);
  if (!api::ParseQuery(raw_query, &in.query)) return 0;
  fuzz::CheckParsedQuery(in.query);
  in.body = body;

  OpBody op;
  api::DecodeError err;
  const bool ok = decoder.fn(in, &op, &err);
  if (ok) {
    fuzz::CheckDecodedOp(op, decoder.index_expected, decoder.flag_expected);
  } else {
    fuzz::CheckDecodeError(err);
  }
  // The verdict is a function of the request alone (only fresh ids are random): a retry
  // must not be refused for a different reason, nor accepted.
  OpBody op_again;
  api::DecodeError err_again;
  CB_CHECK(decoder.fn(in, &op_again, &err_again) == ok);
  if (!ok) {
    CB_CHECK(err_again.code == err.code);
    CB_CHECK(err_again.param == err.param);
    CB_CHECK(err_again.kind == err.kind);
  }
  return 0;
}
