#include "risk/screening/list_codec.h"

#include <algorithm>
#include <cstring>

namespace cb::risk::screening {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutStr(std::string* out, const std::string& s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

void PutList(std::string* out, const std::vector<std::string>& v) {
  PutU32(out, static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) PutStr(out, s);
}

bool SortedUnique(const std::vector<std::string>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<>()) == v.end();
}

Status CheckEntry(const ListEntry& e) {
  if (e.id.empty()) return Status::InvalidArgument("entry without id");
  for (const std::string* s : {&e.id, &e.name}) {
    if (s->size() > kListStringBytesMax)
      return Status::ResourceExhausted("string too long in " + e.id);
  }
  if (static_cast<uint8_t>(e.type) > kEntityTypeMax)
    return Status::InvalidArgument("bad type in " + e.id);
  if (e.aliases.size() > kEntryNamesMax)
    return Status::ResourceExhausted("too many aliases in " + e.id);
  for (const auto* v : {&e.aliases, &e.programs, &e.countries, &e.birth_dates}) {
    if (v != &e.aliases && v->size() > kEntryFieldValuesMax) {
      return Status::ResourceExhausted("too many values in " + e.id);
    }
    if (!SortedUnique(*v)) return Status::InvalidArgument("entry " + e.id + " is not canonical");
    for (const std::string& s : *v) {
      if (s.empty() || s.size() > kListStringBytesMax) {
        return Status::InvalidArgument("empty or too long value in " + e.id);
      }
    }
  }
  return Status::Ok();
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool U32(uint32_t* v) {
    if (b_.size() - at_ < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i)
      *v |= static_cast<uint32_t>(static_cast<uint8_t>(b_[at_ + i])) << (8 * i);
    at_ += 4;
    return true;
  }
  bool U8(uint8_t* v) {
    if (at_ == b_.size()) return false;
    *v = static_cast<uint8_t>(b_[at_++]);
    return true;
  }
  bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || n > kListStringBytesMax || b_.size() - at_ < n) return false;
    s->assign(b_.substr(at_, n));
    at_ += n;
    return true;
  }
  bool List(std::vector<std::string>* v, size_t count_max) {
    uint32_t n = 0;
    if (!U32(&n) || n > count_max) return false;
    v->resize(n);
    for (auto& s : *v) {
      if (!Str(&s)) return false;
    }
    return true;
  }
  bool Done() const { return at_ == b_.size(); }

 private:
  std::string_view b_;
  size_t at_ = 0;
};

}  // namespace

Result<std::string> SerializeList(const SanctionsList& list) {
  if (list.entries.size() > kListEntriesMax) return Status::ResourceExhausted("too many entries");
  if (list.name.size() > kListStringBytesMax || list.version.size() > kListStringBytesMax) {
    return Status::ResourceExhausted("list name or version too long");
  }
  std::string out(kListMagic, kListMagicBytes);
  PutStr(&out, list.name);
  PutStr(&out, list.version);
  PutU32(&out, static_cast<uint32_t>(list.entries.size()));
  for (size_t i = 0; i < list.entries.size(); ++i) {
    const ListEntry& e = list.entries[i];
    CB_RETURN_IF_ERROR(CheckEntry(e));
    if (i > 0 && !(list.entries[i - 1].id < e.id)) {
      return Status::InvalidArgument("entries not sorted by unique id at " + e.id);
    }
    PutStr(&out, e.id);
    out.push_back(static_cast<char>(e.type));
    PutStr(&out, e.name);
    PutList(&out, e.aliases);
    PutList(&out, e.programs);
    PutList(&out, e.countries);
    PutList(&out, e.birth_dates);
  }
  return out;
}

Result<SanctionsList> DeserializeList(std::string_view bytes) {
  if (bytes.size() < kListMagicBytes ||
      std::memcmp(bytes.data(), kListMagic, kListMagicBytes) != 0) {
    return Status::DataLoss("not a serialized sanctions list (bad magic)");
  }
  Reader r(bytes.substr(kListMagicBytes));
  SanctionsList list;
  uint32_t count = 0;
  if (!r.Str(&list.name) || !r.Str(&list.version) || !r.U32(&count)) {
    return Status::DataLoss("serialized list: truncated header");
  }
  if (count > kListEntriesMax) return Status::DataLoss("serialized list: entry count over limit");
  list.entries.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    ListEntry& e = list.entries[i];
    uint8_t type = 0;
    if (!r.Str(&e.id) || !r.U8(&type) || !r.Str(&e.name) || !r.List(&e.aliases, kEntryNamesMax) ||
        !r.List(&e.programs, kEntryFieldValuesMax) || !r.List(&e.countries, kEntryFieldValuesMax) ||
        !r.List(&e.birth_dates, kEntryFieldValuesMax)) {
      return Status::DataLoss("serialized list: truncated or over-limit entry " +
                              std::to_string(i));
    }
    if (type > kEntityTypeMax) return Status::DataLoss("serialized list: bad entity type");
    e.type = static_cast<EntityType>(type);
    if (Status st = CheckEntry(e); !st.ok())
      return Status::DataLoss("serialized list: " + st.message());
    if (i > 0 && !(list.entries[i - 1].id < e.id)) {
      return Status::DataLoss("serialized list: entries out of order at " + e.id);
    }
  }
  if (!r.Done()) return Status::DataLoss("serialized list: trailing bytes");
  return list;
}

Result<Hash256> ListHash(const SanctionsList& list) {
  CB_ASSIGN_OR_RETURN(std::string bytes, SerializeList(list));
  return Sha256Of(bytes.data(), bytes.size());
}

}  // namespace cb::risk::screening
