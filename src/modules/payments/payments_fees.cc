// Fees on external payments (issue 15, ADR 0019): a tenant's schedule says what a payment on
// each rail and currency costs its payer and which of its own accounts the fee goes to. The
// fee is reserved with the payment as a linked ledger transfer (kernel::MoveRequest::fee_*),
// so the payment and its fee are made together or not at all, and ends with it.
#include <set>
#include <utility>

#include "api/decode_util.h"
#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "ledger/currency.h"
#include "modules/payments/payments_internal.h"
#include "platform/ids.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

void ToProto(u128 tenant, const FeeSchedule& f, pb::FeeScheduleSet* e) {
  e->set_tenant_id(kernel::IdBytes(tenant));
  for (const FeeRule& r : f.rules) {
    pb::FeeRule* x = e->add_fees();
    x->set_rail(static_cast<uint32_t>(r.rail));
    x->set_currency(r.currency);
    x->set_amount_minor(kernel::IdBytes(r.amount_minor));
    x->set_account(kernel::IdBytes(r.account));
  }
  e->set_at_ns(f.updated);
}

bool FromProto(const pb::FeeScheduleSet& e, u128* tenant, FeeSchedule* f) {
  *f = FeeSchedule{};
  if (!kernel::IdFromBytes(e.tenant_id(), tenant) ||
      static_cast<size_t>(e.fees_size()) > kFeeRulesMax) {
    return false;
  }
  std::set<std::pair<uint32_t, std::string>> seen;
  for (const pb::FeeRule& x : e.fees()) {
    FeeRule r;
    if (x.rail() <= static_cast<uint32_t>(Rail::kInternal) ||
        x.rail() > static_cast<uint32_t>(Rail::kSwift) || !ledger::FindCurrency(x.currency()) ||
        x.amount_minor().size() != 16 || !kernel::IdFromBytes(x.account(), &r.account) ||
        !seen.emplace(x.rail(), x.currency()).second) {
      return false;
    }
    r.rail = static_cast<Rail>(x.rail());
    r.currency = x.currency();
    r.amount_minor = kernel::IdFromBytesOrZero(x.amount_minor());
    if (r.amount_minor == 0) return false;
    f->rules.push_back(std::move(r));
  }
  f->updated = e.at_ns();
  return true;
}

std::string RenderFees(const FeeSchedule& f) {
  std::string o = R"({"object":"payment_fee_schedule","fees":[)";
  for (size_t i = 0; i < f.rules.size(); i++) {
    const FeeRule& r = f.rules[i];
    const auto currency = ledger::FindCurrency(r.currency);
    CB_CHECK(currency.has_value());  // checked at the edge and on replay
    if (i > 0) o.push_back(',');
    o.append(R"({"rail":")").append(RailName(r.rail));
    o.append(R"(","currency":")").append(r.currency);
    o.append(R"(","amount":")");
    kernel::AppendAmount(&o, r.amount_minor, currency->scale);
    o.append(R"(","account":")");
    kernel::AppendId(&o, platform::prefix::kAccount, r.account);
    o.append(R"("})");
  }
  o.append(R"(],"updated_at":)");
  if (f.updated == 0) {
    o.append("null");
  } else {
    kernel::AppendTimestamp(&o, f.updated);
  }
  o.push_back('}');
  return o;
}

Status PaymentsService::ApplyFees(u128 tenant, FeeSchedule f) {
  if (tenant == 0) return Status::DataLoss("a fee schedule of no tenant");
  fees_[tenant] = std::move(f);
  return Status::Ok();
}

const FeeRule* PaymentsService::FeeFor(const Payment& p) const {
  if (p.rail == Rail::kInternal) return nullptr;
  auto it = fees_.find(p.tenant);
  if (it == fees_.end()) return nullptr;
  for (const FeeRule& r : it->second.rules) {
    // The fee account's own payments go without: it would pay itself.
    if (r.rail == p.rail && r.currency == p.currency && r.account != p.from_account) return &r;
  }
  return nullptr;
}

void PaymentsService::FinishFee(const Payment& p, bool post, runtime::ServiceContext& ctx) {
  if (p.fee_minor == 0) return;
  const Status s =
      money_->FinishReservation(kernel::TenantId(p.tenant), FeeTransferOf(p.id), post, ctx);
  CB_CHECK(s.ok());  // made with the payment's in one chain, ended only here, once
}

Answer PaymentsService::GetFees(const PaymentOp& op) const {
  auto it = fees_.find(op.caller.tenant.value);
  return {200, RenderFees(it == fees_.end() ? FeeSchedule{} : it->second)};
}

Answer PaymentsService::SetFees(const PaymentOp& op, const SetFeesOp& s,
                                runtime::ServiceContext& ctx) {
  // Each fee account must be able to take fees now: the tenant's own customer account, open,
  // in the fee's currency. (It is checked again on every payment.)
  for (size_t i = 0; i < s.rules.size(); i++) {
    const FeeRule& r = s.rules[i];
    const std::string at = "fees[" + std::to_string(i) + "].";
    const std::optional<kernel::PayeeInfo> account =
        money_->ResolvePayee(op.caller.tenant, r.account, "", ctx);
    if (!account) {
      return ErrorAnswer(ErrorKind::kNotFound, "account_not_found", "account not found",
                         at + "account", op.trace_id);
    }
    if (account->closed || account->frozen) {  // as the money port refuses it (PrepareFee)
      return ErrorAnswer(ErrorKind::kUnprocessable, "fee_account_unavailable",
                         account->closed ? "The account is closed." : "The account is frozen.",
                         at + "account", op.trace_id);
    }
    if (account->currency != r.currency) {
      return ErrorAnswer(ErrorKind::kTransferRejected, "currency_mismatch",
                         "The account holds " + account->currency + ".", at + "currency",
                         op.trace_id);
    }
  }
  FeeSchedule f{s.rules, ctx.batch_timestamp};
  pb::FeeScheduleSet e;
  ToProto(op.caller.tenant.value, f, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kFeeScheduleSet),
                           kEventVersion, e);
  CB_CHECK(ApplyFees(op.caller.tenant.value, std::move(f)).ok());
  return GetFees(op);
}

namespace {

using api::detail::Fail;
using api::detail::ParseBody;
using api::detail::Reader;
namespace json = boost::json;

}  // namespace

// GET /v1/payment_fees
bool BuildGetFees(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err) {
  return NoQuery(c, err) && Emit(c, GetFeesOp{}, out);
}

// PUT /v1/payment_fees {"fees":[{"rail","currency","amount","account"}...]}: the whole schedule.
bool BuildSetFees(const api::RouteCall& c, api::BuiltOp* out, api::DecodeError* err) {
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  const json::value* fees = r.Get("fees");
  if (fees == nullptr) return Fail(err, "parameter_missing", "Missing required field.", "fees");
  if (!fees->is_array()) return Fail(err, "parameter_invalid", "Must be an array.", "fees");
  if (fees->get_array().size() > kFeeRulesMax) {
    return Fail(err, "parameter_invalid",
                "At most " + std::to_string(kFeeRulesMax) + " fees (one per rail and currency).",
                "fees");
  }
  SetFeesOp s;
  std::set<std::pair<Rail, std::string>> seen;
  for (size_t i = 0; i < fees->get_array().size(); i++) {
    const json::value& v = fees->get_array()[i];
    const std::string at = "fees[" + std::to_string(i) + "]";
    if (!v.is_object()) return Fail(err, "parameter_invalid", "Must be an object.", at);
    Reader d(v.get_object(), at + ".", err);
    FeeRule rule;
    std::string rail, account;
    if (!d.String("rail", true, 16, &rail) || !d.Money(&rule.amount_minor, &rule.currency) ||
        !d.String("account", true, 64, &account) || !d.Finish()) {
      return false;
    }
    if (!ParseRail(rail, &rule.rail) || rule.rail == Rail::kInternal) {
      return Fail(err, "parameter_invalid",
                  "sepa_instant, sepa, fps or swift (payments inside the bank carry no fee).",
                  d.Param("rail"));
    }
    if (rule.amount_minor == 0) {
      return Fail(err, "amount_invalid", "A fee must be above zero.", d.Param("amount"));
    }
    if (!kernel::ParseId(account, platform::prefix::kAccount, &rule.account)) {
      return Fail(err, "parameter_invalid", "Malformed account id.", d.Param("account"));
    }
    if (!seen.emplace(rule.rail, rule.currency).second) {
      return Fail(err, "parameter_invalid", "One fee per rail and currency.", d.Param("rail"));
    }
    s.rules.push_back(std::move(rule));
  }
  return r.Finish() && Emit(c, std::move(s), out);
}

}  // namespace cb::modules::payments
