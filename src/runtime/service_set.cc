#include "runtime/service_set.h"

#include <cstring>

#include "base/check.h"
#include "runtime/command.h"

namespace cb::runtime {

namespace {
constexpr std::string_view kMagic = "CBSS1";
}  // namespace

void ServiceSet::Add(uint32_t id, Service* service, uint16_t event_type_first,
                     uint16_t event_type_last) {
  CB_CHECK(service != nullptr);
  CB_CHECK(event_type_first >= kServiceEventTypeFirst);
  CB_CHECK(event_type_first <= event_type_last);
  for (const Entry& e : entries_) {
    CB_CHECK(e.id != id);
    CB_CHECK(event_type_last < e.first || event_type_first > e.last);
  }
  entries_.push_back({id, service, event_type_first, event_type_last});
}

Service* ServiceSet::ById(uint32_t id) const {
  for (const Entry& e : entries_) {
    if (e.id == id) return e.service;
  }
  return nullptr;
}

void ServiceSet::Execute(const ServiceOp& op, ServiceContext& ctx, Reply* reply) {
  Service* s = ById(op.service_id());
  if (s == nullptr) {
    reply->status = Status::FailedPrecondition("no service for this op");
    return;
  }
  s->Execute(op, ctx, reply);
}

Status ServiceSet::ApplyEvent(const journal::EventView& event, uint64_t seq,
                              TimestampNs record_timestamp) {
  for (const Entry& e : entries_) {
    if (event.type >= e.first && event.type <= e.last) {
      return e.service->ApplyEvent(event, seq, record_timestamp);
    }
  }
  return Status::DataLoss("no service owns event type " + std::to_string(event.type));
}

void ServiceSet::Clear() {
  for (const Entry& e : entries_) e.service->Clear();
}

std::string ServiceSet::CaptureSnapshot() const {
  std::string out(kMagic);
  const auto count = static_cast<uint32_t>(entries_.size());
  out.append(reinterpret_cast<const char*>(&count), sizeof(count));
  for (const Entry& e : entries_) {
    const std::string section = e.service->CaptureSnapshot();
    const uint64_t size = section.size();
    out.append(reinterpret_cast<const char*>(&e.id), sizeof(e.id));
    out.append(reinterpret_cast<const char*>(&size), sizeof(size));
    out.append(section);
  }
  return out;
}

Status ServiceSet::LoadSnapshot(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    Service* legacy = ById(0);
    if (legacy == nullptr) return Status::DataLoss("snapshot section has no owner");
    return legacy->LoadSnapshot(bytes);
  }
  bytes.remove_prefix(kMagic.size());
  uint32_t count = 0;
  if (bytes.size() < sizeof(count)) return Status::DataLoss("service sections truncated");
  std::memcpy(&count, bytes.data(), sizeof(count));
  bytes.remove_prefix(sizeof(count));
  if (count > entries_.size()) return Status::DataLoss("snapshot has unknown service sections");
  for (uint32_t i = 0; i < count; i++) {
    uint32_t id = 0;
    uint64_t size = 0;
    if (bytes.size() < sizeof(id) + sizeof(size)) {
      return Status::DataLoss("service sections truncated");
    }
    std::memcpy(&id, bytes.data(), sizeof(id));
    std::memcpy(&size, bytes.data() + sizeof(id), sizeof(size));
    bytes.remove_prefix(sizeof(id) + sizeof(size));
    if (size > bytes.size()) return Status::DataLoss("service section past the end");
    Service* s = ById(id);
    if (s == nullptr) return Status::DataLoss("snapshot section of unknown service");
    CB_RETURN_IF_ERROR(s->LoadSnapshot(bytes.substr(0, size)));
    bytes.remove_prefix(size);
  }
  if (!bytes.empty()) return Status::DataLoss("bytes after the last service section");
  return Status::Ok();
}

}  // namespace cb::runtime
