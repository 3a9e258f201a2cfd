// OFAC SDN CSV set (lists.h). sdn.csv: ent_num, SDN_Name, SDN_Type, Program, Title,
// Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks. alt.csv: ent_num,
// alt_num, alt_type, alt_name, remarks. add.csv: ent_num, add_num, address,
// city/state/postal, country, remarks.
#include <unicode/utf8.h>

#include <map>
#include <string_view>

#include "risk/screening/lists.h"

namespace cb::risk::screening {
namespace {

constexpr size_t kCsvFieldsMax = 16;

bool ValidUtf8(std::string_view s) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c = 0;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Older SDN files are Latin-1; newer ones UTF-8. A field that is not valid UTF-8 is
// taken as Latin-1.
std::string ToUtf8(std::string_view s) {
  if (ValidUtf8(s)) return std::string(s);
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// "-0-" (with or without its trailing space) is OFAC's empty.
std::string Cell(std::string_view raw) {
  std::string t = Trim(raw);
  return t == "-0-" ? std::string() : ToUtf8(t);
}

// RFC 4180 records: quoted fields may hold commas, "" and newlines.
Status ParseCsv(std::string_view data, const std::string& what,
                std::vector<std::vector<std::string>>* rows) {
  std::vector<std::string> row;
  std::string field;
  bool in_quotes = false, field_started = false;
  size_t line = 1;
  auto end_field = [&]() -> Status {
    if (row.size() == kCsvFieldsMax) {
      return Status::InvalidArgument(what + " line " + std::to_string(line) + ": too many fields");
    }
    row.push_back(Cell(field));
    field.clear();
    field_started = false;
    return Status::Ok();
  };
  for (size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < data.size() && data[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
    } else if (c == ',') {
      CB_RETURN_IF_ERROR(end_field());
    } else if (c == '\n' || c == '\r') {
      if (field_started || !field.empty() || !row.empty()) {
        CB_RETURN_IF_ERROR(end_field());
        rows->push_back(std::move(row));
        row.clear();
      }
      if (c == '\n') ++line;
    } else if (c == 0x1A) {
      // DOS end-of-file marker some OFAC files carry.
    } else {
      field.push_back(c);
      if (c != ' ') field_started = true;
    }
    if (rows->size() > 4 * kListEntriesMax) {
      return Status::ResourceExhausted(what + ": more than " + std::to_string(4 * kListEntriesMax) +
                                       " rows");
    }
  }
  if (in_quotes) return Status::InvalidArgument(what + ": unterminated quoted field");
  if (field_started || !field.empty() || !row.empty()) {
    CB_RETURN_IF_ERROR(end_field());
    rows->push_back(std::move(row));
  }
  return Status::Ok();
}

Result<std::vector<std::vector<std::string>>> ReadCsv(const std::string& path, size_t columns) {
  CB_ASSIGN_OR_RETURN(std::string data, ReadListFile(path));
  std::vector<std::vector<std::string>> rows;
  CB_RETURN_IF_ERROR(ParseCsv(data, path, &rows));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != columns) {
      return Status::InvalidArgument(path + " record " + std::to_string(i + 1) + ": " +
                                     std::to_string(rows[i].size()) + " fields, expected " +
                                     std::to_string(columns));
    }
  }
  return rows;
}

std::vector<std::string> SplitPrograms(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '[' || c == ']') {
      if (!Trim(cur).empty()) out.push_back(Trim(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!Trim(cur).empty()) out.push_back(Trim(cur));
  return out;
}

int MonthNumber(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

bool IsYear(std::string_view w) {
  if (w.size() != 4) return false;
  for (char c : w) {
    if (c < '0' || c > '9') return false;
  }
  return w >= "1800" && w <= "2100";
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// The segments of `remarks` after each "<key> " up to the next ';' (or the end).
std::vector<std::string_view> Segments(std::string_view remarks, std::string_view key) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while ((at = remarks.find(key, at)) != std::string_view::npos &&
         out.size() < kEntryFieldValuesMax) {
    const size_t start = at + key.size();
    size_t end = remarks.find(';', start);
    if (end == std::string_view::npos) end = remarks.size();
    out.push_back(remarks.substr(start, end - start));
    at = end;
  }
  return out;
}

// "DOB 10 Jul 1965", "DOB 1946", "DOB circa 1960", "DOB Aug 1953", "DOB 1962 to 1964".
void ParseBirthDates(std::string_view remarks, std::vector<std::string>* out) {
  for (std::string_view seg : Segments(remarks, "DOB ")) {
    const auto w = Words(seg);
    for (size_t i = 0; i < w.size(); ++i) {
      if (!IsYear(w[i])) continue;
      const int month = i >= 1 ? MonthNumber(w[i - 1]) : 0;
      const bool day = i >= 2 && month > 0 && w[i - 2].size() <= 2 && !w[i - 2].empty() &&
                       w[i - 2][0] >= '0' && w[i - 2][0] <= '9';
      std::string date(w[i]);
      if (month > 0) {
        date += (month < 10 ? "-0" : "-") + std::to_string(month);
        if (day) date += (w[i - 2].size() == 1 ? "-0" : "-") + std::string(w[i - 2]);
      }
      out->push_back(std::move(date));
    }
  }
}

void ParseNationalities(std::string_view remarks, std::vector<std::string>* out) {
  for (std::string_view key : {"nationality ", "citizen "}) {
    for (std::string_view seg : Segments(remarks, key)) {
      std::string v = Trim(seg);
      if (!v.empty() && v.back() == '.') v.pop_back();
      if (!v.empty() && v.size() < 64) out->push_back(ToUtf8(v));
    }
  }
}

EntityType OfacType(std::string_view t) {
  if (t == "individual") return EntityType::kPerson;
  if (t == "vessel") return EntityType::kVessel;
  if (t == "aircraft") return EntityType::kAircraft;
  return EntityType::kOrganization;  // "-0-": an entity
}

Status CheckLength(const std::string& s, const std::string& what) {
  if (s.size() > kListStringBytesMax) {
    return Status::ResourceExhausted(what + " longer than " + std::to_string(kListStringBytesMax));
  }
  return Status::Ok();
}

}  // namespace

Result<SanctionsList> LoadOfacSdn(const std::string& dir, OfacLoadStats* stats) {
  CB_ASSIGN_OR_RETURN(auto sdn, ReadCsv(dir + "/sdn.csv", 12));
  CB_ASSIGN_OR_RETURN(auto alt, ReadCsv(dir + "/alt.csv", 5));
  CB_ASSIGN_OR_RETURN(auto add, ReadCsv(dir + "/add.csv", 6));
  if (sdn.size() > kListEntriesMax) {
    return Status::ResourceExhausted("sdn.csv: more than " + std::to_string(kListEntriesMax) +
                                     " entries");
  }
  if (stats != nullptr) *stats = {sdn.size(), alt.size(), add.size()};
  SanctionsList list;
  list.name = "ofac-sdn";
  std::map<std::string, size_t> by_id;
  for (auto& row : sdn) {
    ListEntry e;
    e.id = row[0];
    if (e.id.empty()) return Status::InvalidArgument("sdn.csv: an entry without ent_num");
    e.name = row[1];
    CB_RETURN_IF_ERROR(CheckLength(e.name, "sdn.csv name of " + e.id));
    e.type = OfacType(row[2]);
    e.programs = SplitPrograms(row[3]);
    ParseBirthDates(row[11], &e.birth_dates);
    ParseNationalities(row[11], &e.countries);
    if (!row[9].empty()) e.countries.push_back(row[9]);  // a vessel's flag
    if (!by_id.emplace(e.id, list.entries.size()).second) {
      return Status::InvalidArgument("sdn.csv: duplicate ent_num " + e.id);
    }
    list.entries.push_back(std::move(e));
  }
  for (auto& row : alt) {
    auto it = by_id.find(row[0]);
    if (it == by_id.end() || row[3].empty()) continue;  // an alias of an entry not listed
    ListEntry& e = list.entries[it->second];
    CB_RETURN_IF_ERROR(CheckLength(row[3], "alt.csv name of " + e.id));
    if (e.aliases.size() == kEntryNamesMax) {
      return Status::ResourceExhausted("alt.csv: more than " + std::to_string(kEntryNamesMax) +
                                       " aliases for " + e.id);
    }
    e.aliases.push_back(std::move(row[3]));
  }
  for (auto& row : add) {
    auto it = by_id.find(row[0]);
    if (it == by_id.end() || row[4].empty()) continue;
    ListEntry& e = list.entries[it->second];
    if (e.countries.size() < kEntryFieldValuesMax) e.countries.push_back(std::move(row[4]));
  }
  Canonicalize(&list);
  return list;
}

}  // namespace cb::risk::screening
