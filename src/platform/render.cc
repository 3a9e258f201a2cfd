#include "platform/render.h"

#include "kernel/money.h"
#include "platform/account_iban.h"
#include "platform/ids.h"
#include "platform/json_out.h"

namespace cb::platform {

void RenderTenant(std::string* out, const Tenant& t) {
  out->append(R"({"id":")");
  AppendId(out, prefix::kTenant, t.id.value);
  out->append(R"(","object":"tenant","name":)");
  AppendJsonString(out, t.name);
  out->append(R"(,"sandbox":)");
  out->append(t.sandbox ? "true" : "false");
  out->append(R"(,"created_at":)");
  AppendTimestamp(out, t.created);
  out->push_back('}');
}

void RenderApiKey(std::string* out, const ApiKey& k, std::string_view token) {
  out->append(R"({"id":")");
  AppendId(out, prefix::kApiKey, k.id.value);
  out->append(R"(","object":"api_key","name":)");
  AppendJsonString(out, k.name);
  out->append(R"(,"role":")");
  out->append(RoleName(k.role));
  out->append(R"(","status":")");
  out->append(k.revoked ? "revoked" : "active");
  out->append(R"(","created_at":)");
  AppendTimestamp(out, k.created);
  if (!token.empty()) {
    out->append(R"(,"secret":)");
    AppendJsonString(out, token);
  }
  out->push_back('}');
}

void RenderCustomer(std::string* out, const Customer& c) {
  out->append(R"({"id":")");
  AppendId(out, prefix::kCustomer, c.id.value);
  out->append(R"(","object":"customer","type":")");
  out->append(CustomerTypeName(c.type));
  out->append(R"(","name":)");
  AppendJsonString(out, c.name);
  out->append(R"(,"email":)");
  AppendJsonStringOrNull(out, c.email);
  out->append(R"(,"phone":)");
  AppendJsonStringOrNull(out, c.phone);
  out->append(R"(,"kyc_tier":)");
  out->append(std::to_string(c.kyc_tier));
  out->append(R"(,"status":")");
  out->append(CustomerStatusName(c.status));
  out->append(R"(","created_at":)");
  AppendTimestamp(out, c.created);
  out->push_back('}');
}

void RenderBalances(std::string* out, AccountId id, const ledger::Balances& b,
                    const ledger::LedgerInfo& info, std::optional<TimestampNs> as_of) {
  const uint8_t scale = info.scale;
  out->append(R"({"object":"balances","account":")");
  AppendId(out, prefix::kAccount, id.value);
  out->append(R"(","currency":")");
  out->append(info.currency);
  out->append(R"(","current":")");
  kernel::AppendSignedAmount(out, b.credits_posted, b.debits_posted, scale);
  out->append(R"(","available":")");
  // available = credits posted - debits posted - debits pending (funds on hold).
  u128 minus = 0;
  if (!CheckedAdd(b.debits_posted, b.debits_pending, &minus)) minus = kU128Max;
  kernel::AppendSignedAmount(out, b.credits_posted, minus, scale);
  out->append(R"(","pending_debits":")");
  kernel::AppendAmount(out, b.debits_pending, scale);
  out->append(R"(","pending_credits":")");
  kernel::AppendAmount(out, b.credits_pending, scale);
  out->append(R"(","as_of":)");
  if (as_of) {
    AppendTimestamp(out, *as_of);
  } else {
    out->append("null");
  }
  out->push_back('}');
}

void RenderAccount(std::string* out, const AccountMeta& meta, const ledger::Account& account,
                   const ledger::LedgerInfo& info) {
  out->append(R"({"id":")");
  AppendId(out, prefix::kAccount, meta.id.value);
  out->append(R"(","object":"account","customer":)");
  if (meta.customer.zero()) {
    out->append("null");
  } else {
    out->push_back('"');
    AppendId(out, prefix::kCustomer, meta.customer.value);
    out->push_back('"');
  }
  out->append(R"(,"currency":")");
  out->append(info.currency);
  out->append(R"(","type":")");
  out->append(AccountTypeName(meta.type));
  out->append(R"(","gl_code":)");
  out->append(std::to_string(account.code));
  out->append(R"(,"status":")");
  out->append(AccountStatusName(meta.status));
  out->append(R"(","aliases":[)");
  for (size_t i = 0; i < meta.aliases.size(); i++) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, meta.aliases[i]);
  }
  out->append(R"(],"iban":)");
  const std::string iban = AccountIban(meta.number);
  AppendJsonStringOrNull(out, iban);
  out->append(R"(,"balances":)");
  RenderBalances(out, meta.id, account.balances, info, std::nullopt);
  out->append(R"(,"created_at":)");
  AppendTimestamp(out, meta.created);
  out->push_back('}');
}

namespace {
const char* TransferStatusName(ledger::PendingStatus s) {
  switch (s) {
    case ledger::PendingStatus::kNone:
      return "posted";
    case ledger::PendingStatus::kPending:
      return "pending";
    case ledger::PendingStatus::kPosted:
      return "posted";
    case ledger::PendingStatus::kVoided:
      return "voided";
    case ledger::PendingStatus::kExpired:
      return "expired";
  }
  return "unknown";
}
}  // namespace

void RenderTransfer(std::string* out, const TransferView& v) {
  const ledger::Transfer& t = *v.record;
  const uint8_t scale = v.info->scale;
  const bool pending = (t.flags & ledger::kTransferPending) != 0;
  out->append(R"({"id":")");
  AppendId(out, prefix::kTransfer, t.id.value);
  out->append(R"(","object":"transfer","from_account":")");
  AppendId(out, prefix::kAccount, t.debit_account_id.value);
  out->append(R"(","to_account":")");
  AppendId(out, prefix::kAccount, t.credit_account_id.value);
  out->append(R"(","amount":")");
  kernel::AppendAmount(out, t.amount, scale);
  out->append(R"(","currency":")");
  out->append(v.info->currency);
  out->append(R"(","status":")");
  out->append(v.held ? "held" : TransferStatusName(v.status));
  out->append(R"(","pending":)");
  out->append(pending ? "true" : "false");
  out->append(R"(,"posted_amount":)");
  if (v.posted_amount) {
    out->push_back('"');
    kernel::AppendAmount(out, *v.posted_amount, scale);
    out->push_back('"');
  } else {
    out->append("null");
  }
  out->append(R"(,"timeout_at":)");
  if (pending && t.timeout_s > 0) {
    AppendTimestamp(out, t.timestamp + uint64_t{t.timeout_s} * kNsPerSecond);
  } else {
    out->append("null");
  }
  out->append(R"(,"description":)");
  if (v.description != nullptr) {
    AppendJsonString(out, *v.description);
  } else {
    out->append("null");
  }
  out->append(R"(,"decision":)");
  if (v.decision != 0) {
    out->append(R"(")");
    AppendId(out, "dec_", v.decision);
    out->push_back('"');
  } else {
    out->append("null");
  }
  out->append(R"(,"created_at":)");
  AppendTimestamp(out, t.timestamp);
  out->append(R"(,"journal_seq":)");
  out->append(v.journal_seq == 0 ? "null" : std::to_string(v.journal_seq));
  out->push_back('}');
}

void RenderActor(std::string* out, const Actor& a) {
  std::string_view type = "api_key", id_prefix = prefix::kApiKey;
  if (a.kind == ActorKind::kUser) {
    type = "user";
    id_prefix = prefix::kUser;
  } else if (a.kind == ActorKind::kApp) {
    type = "app";
    id_prefix = prefix::kApp;
  }
  out->append(R"({"type":")");
  out->append(type);
  out->append(R"(","id":")");
  AppendId(out, id_prefix, a.id);
  out->append(R"("})");
}

void RenderAdjustment(std::string* out, const Adjustment& a, const ledger::LedgerInfo& info) {
  const bool decided = a.status != AdjustmentStatus::kPendingApproval;
  out->append(R"({"id":")");
  AppendId(out, prefix::kAdjustment, a.id.value);
  out->append(R"(","object":"adjustment","account":")");
  AppendId(out, prefix::kAccount, a.account.value);
  out->append(R"(","direction":")");
  out->append(AdjustmentDirectionName(a.direction));
  out->append(R"(","amount":")");
  kernel::AppendAmount(out, a.amount_minor, info.scale);
  out->append(R"(","currency":")");
  out->append(info.currency);
  out->append(R"(","reason":)");
  AppendJsonString(out, a.reason);
  out->append(R"(,"status":")");
  out->append(AdjustmentStatusName(a.status));
  out->append(R"(","transfer":)");
  if (a.status == AdjustmentStatus::kApplied) {
    out->push_back('"');
    AppendId(out, prefix::kTransfer, a.transfer.value);
    out->push_back('"');
  } else {
    out->append("null");
  }
  out->append(R"(,"requested_by":)");
  RenderActor(out, a.requested_by);
  out->append(R"(,"decided_by":)");
  if (decided) {
    RenderActor(out, a.decided_by);
  } else {
    out->append("null");
  }
  out->append(R"(,"decision_note":)");
  AppendJsonStringOrNull(out, a.decision_note);
  out->append(R"(,"created_at":)");
  AppendTimestamp(out, a.requested);
  out->append(R"(,"decided_at":)");
  if (decided) {
    AppendTimestamp(out, a.decided);
  } else {
    out->append("null");
  }
  out->push_back('}');
}

}  // namespace cb::platform
