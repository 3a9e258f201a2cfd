#include "risk/screening/screening.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "base/check.h"

namespace cb::risk::screening {
namespace {

// A glued-name prefix this long is a key ("xijinp" finds "xi jinping" from "xijinping").
constexpr size_t kGluedPrefixBytes = 6;
// Date of birth and country move a score modestly, and only when both sides have them.
constexpr double kDobMatchLift = 0.15;      // share of the remaining distance to 1
constexpr double kDobMismatchFactor = 0.9;  // every listed year more than a year away
constexpr double kCountryMatchLift = 0.05;
constexpr double kCountryMismatchFactor = 0.97;

uint64_t Fnv1a(char tag, std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  mix(static_cast<unsigned char>(tag));
  for (char c : s) mix(static_cast<unsigned char>(c));
  return h;
}

// Blocking keys of a prepared name: its informative tokens, their phonetic keys, and the
// glued prefix.
std::vector<uint64_t> Keys(const PreparedName& p) {
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < p.tokens.size(); ++i) {
    const std::string& t = p.tokens[i];
    if (t.size() < 2 || IsStopword(t)) continue;
    keys.push_back(Fnv1a('t', t));
    if (p.keys[i].size() >= 2) keys.push_back(Fnv1a('p', p.keys[i]));
  }
  if (p.joined.size() >= kGluedPrefixBytes) {
    keys.push_back(Fnv1a('g', std::string_view(p.joined).substr(0, kGluedPrefixBytes)));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "LAST, First" (persons) reads "First LAST": only the glued comparison cares about order.
std::string PersonOrder(const std::string& name) {
  const size_t comma = name.find(',');
  if (comma == std::string::npos || name.find(',', comma + 1) != std::string::npos) return name;
  return name.substr(comma + 1) + " " + name.substr(0, comma);
}

// "BUTEMBO AIRLINES (BAL)" is also indexed as "BUTEMBO AIRLINES".
std::string WithoutParentheses(const std::string& name) {
  std::string out;
  int depth = 0;
  for (char c : name) {
    if (c == '(') ++depth;
    if (depth == 0) out.push_back(c);
    if (c == ')' && depth > 0) --depth;
  }
  return out;
}

struct IndexedName {
  uint32_t entry = 0;
  uint32_t source = 0;  // 0: the primary name, k: aliases[k - 1]
  PreparedName prepared;
};

struct EntryRef {
  uint32_t list = 0;
  uint32_t entry = 0;
  std::vector<int> birth_years;
  std::vector<std::string> countries_lower;
};

}  // namespace

struct ScreeningIndex::Impl {
  std::vector<SanctionsList> lists;
  std::unique_ptr<NameNormalizer> normalizer;
  std::vector<EntryRef> entries;
  std::vector<IndexedName> names;
  IdfTable idf;
  std::unordered_map<uint64_t, std::vector<uint32_t>> postings;  // key -> name indexes, ascending

  const ListEntry& Entry(uint32_t e) const {
    return lists[entries[e].list].entries[entries[e].entry];
  }
};

ScreeningIndex::ScreeningIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScreeningIndex::~ScreeningIndex() = default;
size_t ScreeningIndex::entry_count() const { return impl_->entries.size(); }
size_t ScreeningIndex::name_count() const { return impl_->names.size(); }
const std::vector<SanctionsList>& ScreeningIndex::lists() const { return impl_->lists; }
const NameNormalizer& ScreeningIndex::normalizer() const { return *impl_->normalizer; }

Result<std::unique_ptr<ScreeningIndex>> ScreeningIndex::Build(std::vector<SanctionsList> lists) {
  auto impl = std::make_unique<Impl>();
  CB_ASSIGN_OR_RETURN(impl->normalizer, NameNormalizer::Create());
  impl->lists = std::move(lists);
  size_t total = 0;
  for (const SanctionsList& l : impl->lists) total += l.entries.size();
  if (total > 4 * kListEntriesMax)
    return Status::ResourceExhausted("too many list entries to index");

  // Normalise every name once; document frequencies come from the normalised tokens.
  std::vector<std::pair<uint32_t, uint32_t>> name_sources;  // (entry, source)
  std::vector<NormalizedName> normalized;
  for (uint32_t li = 0; li < impl->lists.size(); ++li) {
    const SanctionsList& l = impl->lists[li];
    for (uint32_t ei = 0; ei < l.entries.size(); ++ei) {
      const ListEntry& e = l.entries[ei];
      EntryRef ref{li, ei, {}, {}};
      for (const std::string& d : e.birth_dates) {
        if (d.size() >= 4) ref.birth_years.push_back(std::atoi(d.substr(0, 4).c_str()));
      }
      for (const std::string& c : e.countries) ref.countries_lower.push_back(Lower(c));
      const auto entry_idx = static_cast<uint32_t>(impl->entries.size());
      impl->entries.push_back(std::move(ref));
      for (uint32_t k = 0; k <= e.aliases.size(); ++k) {
        const std::string& raw = k == 0 ? e.name : e.aliases[k - 1];
        const std::string ordered = e.type == EntityType::kPerson ? PersonOrder(raw) : raw;
        normalized.push_back(impl->normalizer->Normalize(ordered));
        name_sources.emplace_back(entry_idx, k);
        if (raw.find('(') != std::string::npos) {
          NormalizedName bare = impl->normalizer->Normalize(WithoutParentheses(ordered));
          if (!bare.tokens.empty()) {
            normalized.push_back(std::move(bare));
            name_sources.emplace_back(entry_idx, k);
          }
        }
      }
    }
  }
  std::unordered_map<std::string, uint32_t> df;
  for (const NormalizedName& n : normalized) {
    std::vector<std::string> unique = n.tokens;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    for (const std::string& t : unique) ++df[t];
  }
  const double n_names = std::max<double>(1.0, static_cast<double>(normalized.size()));
  for (const auto& [token, count] : df) {
    impl->idf.idf[token] = static_cast<float>(std::log(n_names / count) + 1.0);
  }
  impl->idf.unseen_idf = static_cast<float>(std::log(n_names) + 1.0);

  impl->names.reserve(normalized.size());
  for (size_t i = 0; i < normalized.size(); ++i) {
    if (normalized[i].tokens.empty()) continue;  // a name of punctuation only
    IndexedName n{name_sources[i].first, name_sources[i].second,
                  Prepare(normalized[i], &impl->idf)};
    const auto idx = static_cast<uint32_t>(impl->names.size());
    for (uint64_t key : Keys(n.prepared)) impl->postings[key].push_back(idx);
    impl->names.push_back(std::move(n));
  }
  return std::unique_ptr<ScreeningIndex>(new ScreeningIndex(std::move(impl)));
}

std::vector<Hit> ScreeningIndex::Screen(const ScreenQuery& query, size_t limit,
                                        double score_min) const {
  const Impl& x = *impl_;
  limit = std::min(limit, kHitsMax);
  const PreparedName q = Prepare(x.normalizer->Normalize(query.name), &x.idf);
  if (q.tokens.empty() || limit == 0) return {};

  // Blocking: the query's keys, rarest first; each name accumulates the rarity of the keys
  // it shares with the query.
  struct KeyPostings {
    const std::vector<uint32_t>* names;
  };
  std::vector<KeyPostings> keys;
  for (uint64_t key : Keys(q)) {
    auto it = x.postings.find(key);
    if (it != x.postings.end()) keys.push_back({&it->second});
  }
  std::sort(keys.begin(), keys.end(), [](const KeyPostings& a, const KeyPostings& b) {
    if (a.names->size() != b.names->size()) return a.names->size() < b.names->size();
    return a.names->front() < b.names->front();
  });
  // Votes per name in a per-thread array (the index is shared between threads); only the
  // touched slots are read and reset.
  thread_local std::vector<float> votes;
  thread_local std::vector<uint32_t> touched;
  if (votes.size() < x.names.size()) votes.assign(x.names.size(), 0.0f);
  touched.clear();
  size_t read = 0;
  const double n_names = static_cast<double>(std::max<size_t>(1, x.names.size()));
  for (const KeyPostings& k : keys) {
    const size_t n = k.names->size();
    if (n > kPostingNamesMax && !votes.empty()) break;  // sorted: the rest are as common
    const size_t take = std::min({n, kPostingNamesMax, kPostingsReadMax - read});
    const auto rarity = static_cast<float>(std::log(n_names / static_cast<double>(n)) + 1.0);
    for (size_t i = 0; i < take; ++i) {
      const uint32_t name = (*k.names)[i];
      if (votes[name] == 0.0f) touched.push_back(name);
      votes[name] += rarity;
    }
    read += take;
    if (read >= kPostingsReadMax) break;
  }
  std::vector<std::pair<float, uint32_t>> candidates;
  candidates.reserve(touched.size());
  for (uint32_t name : touched) {
    candidates.emplace_back(votes[name], name);
    votes[name] = 0.0f;
  }
  const size_t keep = std::min(candidates.size(), kCandidatesMax);
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                    [](const auto& a, const auto& b) {
                      if (a.first != b.first) return a.first > b.first;
                      return a.second < b.second;
                    });
  candidates.resize(keep);

  const EntityType query_type = InferType(query.type, q);
  const std::string country = Lower(query.country);
  std::unordered_map<uint32_t, std::pair<double, uint32_t>> best;  // entry -> (score, name)
  for (const auto& [vote, name_idx] : candidates) {
    const IndexedName& n = x.names[name_idx];
    const ListEntry& e = x.Entry(n.entry);
    MatchOptions options;
    options.allow_initials =
        (query_type == EntityType::kPerson || query_type == EntityType::kUnknown) &&
        (e.type == EntityType::kPerson || e.type == EntityType::kUnknown) && !q.legal_form &&
        !n.prepared.legal_form;
    double s = ScoreNames(q, n.prepared, options) * TypeFactor(query_type, e.type);
    const EntryRef& ref = x.entries[n.entry];
    if (query.dob.has_value() && !ref.birth_years.empty()) {
      bool same = false, near = false;
      for (int y : ref.birth_years) {
        same = same || y == query.dob->year;
        near = near || std::abs(y - query.dob->year) <= 1;
      }
      if (same)
        s += (1.0 - s) * kDobMatchLift;
      else if (!near)
        s *= kDobMismatchFactor;
    }
    if (!country.empty() && !ref.countries_lower.empty()) {
      const bool match = std::find(ref.countries_lower.begin(), ref.countries_lower.end(),
                                   country) != ref.countries_lower.end();
      s = match ? s + (1.0 - s) * kCountryMatchLift : s * kCountryMismatchFactor;
    }
    CB_CHECK(s >= 0.0 && s <= 1.0);
    auto [it, inserted] = best.try_emplace(n.entry, s, name_idx);
    // Equal scores keep the lower name index: the primary name before aliases.
    if (!inserted &&
        (s > it->second.first || (s == it->second.first && name_idx < it->second.second))) {
      it->second = {s, name_idx};
    }
  }

  std::vector<Hit> hits;
  for (const auto& [entry_idx, sc] : best) {
    if (sc.first < score_min) continue;
    const IndexedName& n = x.names[sc.second];
    const ListEntry& e = x.Entry(entry_idx);
    Hit h;
    h.score = sc.first;
    h.list = x.lists[x.entries[entry_idx].list].name;
    h.entry_id = e.id;
    h.matched_alias = n.source != 0;
    h.matched_name = n.source == 0 ? e.name : e.aliases[n.source - 1];
    h.type = e.type;
    h.programs = e.programs;
    hits.push_back(std::move(h));
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.list != b.list) return a.list < b.list;
    return a.entry_id < b.entry_id;
  });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace cb::risk::screening
