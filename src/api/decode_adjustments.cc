// Decoders of /v1/adjustments (manual adjustments with four-eyes approval).
#include "api/decode.h"
#include "api/decode_util.h"

namespace cb::api {

using namespace cb::platform;
using namespace detail;

namespace {
constexpr size_t kReasonCharsMax = 500;
constexpr size_t kNoteCharsMax = 500;

bool DecodeDecide(const RouteInput& in, OpBody* out, DecodeError* err, bool approve) {
  DecideAdjustmentOp op;
  op.approve = approve;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kAdjustment, &op.id, err)) return false;
  if (!in.body.empty()) {
    CB_DECODE_BODY(in, err, r);
    if (!r.String("note", false, kNoteCharsMax, &op.note) || !r.Finish()) return false;
  }
  *out = std::move(op);
  return true;
}
}  // namespace

bool DecodeCreateAdjustment(const RouteInput& in, OpBody* out, DecodeError* err) {
  if (!KnownQuery(in, {}, err)) return false;
  CB_DECODE_BODY(in, err, r);
  CreateAdjustmentOp op;
  if (!r.IdField("account", prefix::kAccount, true, &op.account)) return false;
  std::string direction;
  if (!r.String("direction", true, 8, &direction)) return false;
  if (!ParseAdjustmentDirection(direction, &op.direction)) {
    return Fail(err, "parameter_invalid", "Must be credit or debit.", "direction");
  }
  if (!r.Money(&op.amount_minor, &op.currency)) return false;
  if (op.amount_minor == 0) {
    return Fail(err, "amount_invalid", "Must be greater than zero.", "amount");
  }
  if (!r.String("reason", true, kReasonCharsMax, &op.reason) || !r.Finish()) return false;
  op.id = AdjustmentId(RandomU128());
  op.transfer_id = TransferId(RandomU128());
  *out = std::move(op);
  return true;
}

bool DecodeGetAdjustment(const RouteInput& in, OpBody* out, DecodeError* err) {
  GetAdjustmentOp op;
  if (!KnownQuery(in, {}, err) || !PathId(in, 0, prefix::kAdjustment, &op.id, err)) return false;
  *out = op;
  return true;
}

bool DecodeListAdjustments(const RouteInput& in, OpBody* out, DecodeError* err) {
  ListAdjustmentsOp op;
  if (!KnownQuery(in, {"limit", "cursor", "status"}, err) || !Limit(in, &op.limit, err) ||
      !Cursor(in, prefix::kAdjustment, &op.after, err)) {
    return false;
  }
  if (auto it = in.query.find("status"); it != in.query.end()) {
    AdjustmentStatus s;
    if (it->second == "pending_approval") {
      s = AdjustmentStatus::kPendingApproval;
    } else if (it->second == "applied") {
      s = AdjustmentStatus::kApplied;
    } else if (it->second == "rejected") {
      s = AdjustmentStatus::kRejected;
    } else {
      return Fail(err, "parameter_invalid", "Must be pending_approval, applied or rejected.",
                  "status");
    }
    op.status = s;
  }
  *out = op;
  return true;
}

bool DecodeApproveAdjustment(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodeDecide(in, out, err, true);
}
bool DecodeRejectAdjustment(const RouteInput& in, OpBody* out, DecodeError* err) {
  return DecodeDecide(in, out, err, false);
}

}  // namespace cb::api
