// Bulk payouts (issue 15, ADR 0019): a batch is accepted whole (its refused rows reported
// by line and field), then the writer makes its valid rows into payments a slice per batch,
// each payment's id fixed by the batch and the row's index: a crash between slices resumes
// at the first row not yet made, and no row is paid twice.
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "base/check.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "kernel/money.h"
#include "ledger/currency.h"
#include "modules/payments/payments_internal.h"

namespace cb::modules::payments {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

void PaymentsService::InsertBatch(PaymentBatch b) {
  batch_order_.push_back(b.id);
  if (b.next < b.rows.size()) batches_open_.push_back(b.id);
  const u128 id = b.id;
  CB_CHECK(batches_.emplace(id, std::move(b)).second);
}

Answer PaymentsService::CreateBatch(const PaymentOp& op, const CreateBatchOp& c,
                                    runtime::ServiceContext& ctx) {
  if (batches_.contains(c.id)) {
    return ErrorAnswer(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "id",
                       op.trace_id);
  }
  const std::optional<kernel::PayeeInfo> payer =
      money_->ResolvePayee(op.caller.tenant, c.from_account, "", ctx);
  if (!payer || payer->closed) {
    return ErrorAnswer(ErrorKind::kNotFound, "account_not_found", "account not found",
                       "from_account", op.trace_id);
  }
  bool external = false;
  for (const BatchRow& r : c.rows)
    external = external || (r.error_code.empty() && !r.payment.to.internal());
  if (external) {
    CreatePaymentOp probe;
    probe.from_account = c.from_account;
    if (std::optional<Answer> refused = RefuseExternal(op, probe, ctx)) return *refused;
  }
  PaymentBatch b;
  b.id = c.id;
  b.tenant = op.caller.tenant.value;
  b.customer = payer->customer;
  b.creator = op.caller;
  b.from_account = c.from_account;
  b.source = c.source;
  b.rows = c.rows;
  b.created = ctx.batch_timestamp;
  pb::BatchCreated e;
  ToProto(b, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kBatchCreated), kEventVersion,
                           e);
  PaymentBatch stored;
  CB_CHECK(FromProto(e, &stored));
  InsertBatch(std::move(stored));
  // Accepted: its payments are made in the next batches (202, like any asynchronous work).
  return {202, RenderBatch(batches_.at(c.id), payments_)};
}

std::optional<TimestampNs> PaymentsService::NextDue() const {
  // Answer deadlines pass when a feed page says the feed was read through them
  // (MarkFeedRead), not on the clock: they are not due work here.
  if (!batches_open_.empty()) return TimestampNs{0};  // due now
  return std::nullopt;
}

namespace {

// Why Create made no payment for a batch row: the error its answer carries.
void RowRefused(uint32_t index, const Answer& a, pb::BatchRowRefused* out) {
  out->set_index(index);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(a.body, ec);
  const boost::json::object* error = nullptr;
  if (!ec && v.is_object()) {
    if (const boost::json::value* e = v.as_object().if_contains("error")) error = e->if_object();
  }
  auto field = [&](std::string_view key, size_t bytes_max) {
    const boost::json::value* x = error != nullptr ? error->if_contains(key) : nullptr;
    return x != nullptr && x->is_string() ? TruncateUtf8(std::string(x->get_string()), bytes_max)
                                          : std::string();
  };
  out->set_code(field("code", 64));
  out->set_param(field("param", 64));
  out->set_message(field("message", kReasonBytesMax));
  if (out->code().empty()) out->set_code("payment_refused");  // every refusal names a code
}

}  // namespace

void PaymentsService::RunDue(runtime::ServiceContext& ctx) {
  FailOverdue(ctx);
  size_t budget = kBatchItemsPerRun;
  while (budget > 0 && !batches_open_.empty()) {
    PaymentBatch& b = batches_.at(batches_open_.front());
    PaymentOp op;
    op.caller = b.creator;
    op.trace_id = "payment-batch";
    pb::BatchProgressed e;
    while (budget > 0 && b.next < b.rows.size()) {
      const BatchRow& r = b.rows[b.next];
      if (r.error_code.empty()) {
        CreatePaymentOp c = r.payment;
        c.id = BatchPaymentId(b.id, r.index);
        c.from_account = b.from_account;
        if (c.end_to_end_id.empty()) c.end_to_end_id = kernel::FormatId("", c.id);
        if (!payments_.contains(c.id)) {
          // The answer goes to the batch's reads: a payment, or the reason there is none.
          const Answer a = Create(op, c, ctx);
          if (!payments_.contains(c.id)) RowRefused(r.index, a, e.add_refused());
        }
        budget--;
      }
      b.next++;
    }
    e.set_id(kernel::IdBytes(b.id));
    e.set_next(b.next);
    journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kBatchProgressed),
                             kEventVersion, e);
    CB_CHECK(ApplyRowsRefused(e.refused(), &b).ok());
    if (b.next >= b.rows.size()) batches_open_.erase(batches_open_.begin());
  }
}

Status ApplyRowsRefused(const google::protobuf::RepeatedPtrField<pb::BatchRowRefused>& rows,
                        PaymentBatch* b) {
  for (const pb::BatchRowRefused& x : rows) {
    if (x.index() >= b->rows.size() || !b->rows[x.index()].error_code.empty() || x.code().empty() ||
        x.code().size() > 64 || x.param().size() > 64 || x.message().size() > kReasonBytesMax) {
      return Status::DataLoss("malformed BatchRowRefused");
    }
    BatchRow& r = b->rows[x.index()];
    r.error_code = x.code();
    r.error_field = x.param();
    r.error_message = x.message();
    r.refused_when_made = true;
  }
  return Status::Ok();
}

std::string RenderBatch(const PaymentBatch& b,
                        const std::unordered_map<u128, Payment, kernel::U128Hash>& payments) {
  std::map<std::string, uint32_t> summary;
  std::string items = "[";
  for (size_t i = 0; i < b.rows.size(); i++) {
    const BatchRow& r = b.rows[i];
    if (i > 0) items.push_back(',');
    items.append(R"({"index":)").append(std::to_string(r.index)).append(R"(,"line":)");
    items.append(r.line == 0 ? "null" : std::to_string(r.line));
    std::string status = r.refused_when_made ? "not_made" : "invalid";
    u128 payment = 0;
    if (r.error_code.empty()) {
      payment = BatchPaymentId(b.id, r.index);
      auto it = payments.find(payment);
      if (it != payments.end()) {
        status = StatusName(it->second.status);
      } else {
        status = i < b.next ? "not_made" : "pending";  // not_made: refused before a payment
                                                       // (made before reasons were kept)
        if (i >= b.next) payment = 0;
      }
    }
    summary[status]++;
    items.append(R"(,"status":")").append(status).append(R"(","payment":)");
    if (payment != 0 && payments.contains(payment)) {
      items.push_back('"');
      kernel::AppendId(&items, kPaymentPrefix, payment);
      items.push_back('"');
    } else {
      items.append("null");
    }
    items.append(R"(,"error":)");
    if (r.error_code.empty()) {
      items.append("null");
    } else {
      items.append(R"({"code":)");
      kernel::AppendJsonString(&items, r.error_code);
      items.append(R"(,"param":)");
      kernel::AppendJsonStringOrNull(&items, r.error_field);
      items.append(R"(,"message":)");
      kernel::AppendJsonString(&items, r.error_message);
      items.push_back('}');
    }
    items.push_back('}');
  }
  items.push_back(']');
  std::string o = R"({"id":")";
  kernel::AppendId(&o, kBatchPrefix, b.id);
  o.append(R"(","object":"payment_batch","status":")")
      .append(b.next >= b.rows.size() ? "processed" : "processing");
  o.append(R"(","source":")").append(b.source).append(R"(","from_account":")");
  kernel::AppendId(&o, "acct_", b.from_account);
  o.append(R"(","summary":{"items":)").append(std::to_string(b.rows.size()));
  for (const auto& [status, n] : summary) {
    o.append(",");
    kernel::AppendJsonString(&o, status);
    o.append(":").append(std::to_string(n));
  }
  o.append(R"(},"items":)").append(items).append(R"(,"created_at":)");
  kernel::AppendTimestamp(&o, b.created);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::payments
