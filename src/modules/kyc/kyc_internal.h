#pragma once
// Inside the kyc module only: the events' protobuf <-> the recorded results (kyc_codec.cc),
// shared by the service (apply, snapshot) and the event-feed renderer.
#include "kyc.pb.h"
#include "modules/kyc/kyc.h"

namespace cb::modules::kyc {

namespace pb = corebank::kyc::v1;

void ToProto(const Verification& v, pb::VerificationCompleted* e);
// False on anything a writer could not have produced (bad ids, sizes, names).
bool FromProto(const pb::VerificationCompleted& e, Verification* v);
void ToProto(const Ownership& o, pb::OwnershipUpdated* e);
bool FromProto(const pb::OwnershipUpdated& e, Ownership* o);

std::string FormatDate(const Date& d);          // "YYYY-MM-DD", or "" when absent
bool ParseDate(std::string_view s, Date* out);  // a real calendar date, or false

}  // namespace cb::modules::kyc
