// `corebank screen pairs` and `corebank bench screening` (issue 14): the name matcher and
// the screening index of src/risk/screening/ from the command line.
#include <time.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.h"
#include "base/rng.h"
#include "base/time.h"
#include "risk/screening/lists.h"
#include "risk/screening/screening.h"

namespace cb::app {
namespace {

namespace sc = cb::risk::screening;

// A pairs line longer than this is refused: names are far shorter.
constexpr size_t kPairLineBytesMax = 8192;
// Hits asked for per bench screen, and the score below which none is returned.
constexpr size_t kBenchHitsLimit = 10;
constexpr double kBenchScoreMin = 0.5;
// A bench hit at or above this counts as an alert (for the quality lines of the output).
constexpr double kBenchAlertScore = 0.8;

}  // namespace

int RunScreenPairs() {
  auto normalizer = sc::NameNormalizer::Create();
  if (!normalizer.ok()) {
    std::fprintf(stderr, "screen pairs: %s\n", normalizer.status().ToString().c_str());
    return 1;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kPairLineBytesMax) {
      std::fflush(stdout);
      std::fprintf(stderr, "screen pairs: line %llu: longer than %zu bytes\n",
                   static_cast<unsigned long long>(line_no), kPairLineBytesMax);
      return 2;
    }
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      std::fflush(stdout);
      std::fprintf(stderr, "screen pairs: line %llu: no tab (expected nameA<TAB>nameB)\n",
                   static_cast<unsigned long long>(line_no));
      return 2;
    }
    const double score = sc::ScoreNamePair(**normalizer, std::string_view(line).substr(0, tab),
                                           std::string_view(line).substr(tab + 1));
    std::printf("%.4f\n", score);
  }
  return 0;
}

namespace {

struct BenchName {
  std::string name;
  int source = -1;  // the index entry it was derived from (its list name and id), -1: none
  std::string list, entry_id;
};

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string JoinWords(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& x : w) out += (out.empty() ? "" : " ") + x;
  return out;
}

// One perturbation of a list name, chosen by the RNG: a typo, reordering, an initial, a
// dropped word, a case change, or a Cyrillic transliteration.
std::string Perturb(const std::string& name, Rng* rng, icu::Transliterator* to_cyrillic) {
  std::string s = name;
  std::erase(s, ',');
  std::vector<std::string> w = SplitWords(s);
  if (w.empty()) return name;
  switch (rng->Below(7)) {
    case 0:
      return s;  // as listed
    case 1: {    // typo: substitute, delete, insert or transpose one letter
      const size_t at = rng->Below(s.size());
      const char c = static_cast<char>('a' + rng->Below(26));
      switch (rng->Below(4)) {
        case 0:
          s[at] = c;
          break;
        case 1:
          s.erase(at, 1);
          break;
        case 2:
          s.insert(at, 1, c);
          break;
        default:
          if (at + 1 < s.size()) std::swap(s[at], s[at + 1]);
      }
      return s;
    }
    case 2:
      std::rotate(w.begin(), w.begin() + 1, w.end());
      return JoinWords(w);
    case 3:
      if (w.size() >= 2) w[0] = w[0].substr(0, 1) + ".";
      return JoinWords(w);
    case 4:
      if (w.size() >= 3) w.erase(w.begin() + static_cast<long>(rng->Below(w.size())));
      return JoinWords(w);
    case 5:
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    default: {
      if (to_cyrillic == nullptr) return s;
      icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
      u.toLower();
      to_cyrillic->transliterate(u);
      std::string out;
      u.toUTF8String(out);
      return out;
    }
  }
}

// Names that should not be on any list: common given names and surnames of several
// languages, sometimes with a company word.
std::string Unlisted(Rng* rng) {
  static constexpr const char* kGiven[] = {
      "Emily",  "James", "Sophie", "Lukas", "Olivia", "Mateo", "Hannah", "Noah",   "Chloe",
      "Elena",  "Jonas", "Mia",    "Liam",  "Aiko",   "Priya", "Carlos", "Ingrid", "Tomasz",
      "Fatima", "Wei",   "Amara",  "Sven",  "Lucia",  "Kenji", "Nadia",  "Pierre", "Grace"};
  static constexpr const char* kFamily[] = {
      "Thompson",  "Bergmann", "Martin",    "Nakamura", "Fernandez", "Kowalski",
      "Andersen",  "Okafor",   "Lindqvist", "Rossi",    "Dubois",    "Patel",
      "Schneider", "Moreau",   "Novak",     "Oliveira", "Yamamoto",  "Murphy",
      "Jansen",    "Haugen",   "Costa",     "Walsh",    "Keller"};
  static constexpr const char* kCompany[] = {"Bakery Ltd",    "Consulting GmbH", "Logistics LLC",
                                             "Design Studio", "Dental Clinic",   "Farms Inc"};
  std::string s = kGiven[rng->Below(std::size(kGiven))];
  s += " ";
  s += kFamily[rng->Below(std::size(kFamily))];
  if (rng->Chance(20))
    s = std::string(kFamily[rng->Below(std::size(kFamily))]) + " " +
        kCompany[rng->Below(std::size(kCompany))];
  return s;
}

// This thread's CPU time: unlike the wall clock it excludes time the VM's scheduler gave
// to other processes, so a noisy machine shows in the gap between the two.
uint64_t ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t Percentile(std::vector<uint64_t> v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int RunScreeningBench(const ScreeningBenchOptions& o) {
  namespace fs = std::filesystem;
  const fs::path root =
      o.lists_dir.empty() ? fs::path(CB_DEFAULT_SANCTIONS_DIR) : fs::path(o.lists_dir);
  std::error_code ec;
  fs::path ofac_dir = root / "ofac_sdn_2019-01";
  if (!fs::exists(ofac_dir / "sdn.csv", ec)) ofac_dir = root;
  fs::path un_xml = root / "un" / "UN_consolidated.xml";
  if (!fs::exists(un_xml, ec)) un_xml = root / "UN_consolidated.xml";

  const uint64_t t_load = MonotonicNowNs();
  std::vector<sc::SanctionsList> lists;
  if (fs::exists(ofac_dir / "sdn.csv", ec)) {
    auto l = sc::LoadOfacSdn(ofac_dir.string());
    if (!l.ok()) {
      std::fprintf(stderr, "bench screening: %s\n", l.status().ToString().c_str());
      return 1;
    }
    lists.push_back(std::move(*l));
  }
  if (fs::exists(un_xml, ec)) {
    auto l = sc::LoadUnConsolidated(un_xml.string());
    if (!l.ok()) {
      std::fprintf(stderr, "bench screening: %s\n", l.status().ToString().c_str());
      return 1;
    }
    lists.push_back(std::move(*l));
  }
  if (lists.empty()) {
    std::fprintf(stderr,
                 "bench screening: no lists under %s (want ofac_sdn_2019-01/sdn.csv or sdn.csv, "
                 "un/UN_consolidated.xml or UN_consolidated.xml)\n",
                 root.string().c_str());
    return 2;
  }
  const uint64_t t_build = MonotonicNowNs();
  auto index = sc::ScreeningIndex::Build(std::move(lists));
  if (!index.ok()) {
    std::fprintf(stderr, "bench screening: %s\n", index.status().ToString().c_str());
    return 1;
  }
  const uint64_t t_ready = MonotonicNowNs();
  const sc::ScreeningIndex& idx = **index;
  std::printf("loaded %zu entries (%zu names) in %.0f ms, indexed in %.0f ms\n", idx.entry_count(),
              idx.name_count(), static_cast<double>(t_build - t_load) / 1e6,
              static_cast<double>(t_ready - t_build) / 1e6);

  // The names to screen, generated up front from the seed (not timed).
  UErrorCode st = U_ZERO_ERROR;
  UParseError pe;
  std::unique_ptr<icu::Transliterator> to_cyrillic(
      icu::Transliterator::createInstance("Latin-Cyrillic", UTRANS_FORWARD, pe, st));
  if (U_FAILURE(st)) to_cyrillic.reset();  // the transliteration perturbation is skipped
  struct Source {
    const sc::SanctionsList* list;
    const sc::ListEntry* entry;
  };
  std::vector<Source> sources;
  for (const auto& l : idx.lists()) {
    for (const auto& e : l.entries) sources.push_back({&l, &e});
  }
  Rng rng(o.seed);
  std::vector<BenchName> names;
  names.reserve(o.names);
  for (uint64_t i = 0; i < o.names; ++i) {
    BenchName b;
    if (rng.Chance(60)) {
      const Source& s = sources[rng.Below(sources.size())];
      const size_t k = rng.Below(s.entry->aliases.size() + 1);
      const std::string& base = k == 0 ? s.entry->name : s.entry->aliases[k - 1];
      b.name = Perturb(base, &rng, to_cyrillic.get());
      b.source = 1;
      b.list = s.list->name;
      b.entry_id = s.entry->id;
    } else {
      b.name = Unlisted(&rng);
    }
    names.push_back(std::move(b));
  }

  std::vector<uint64_t> latency_ns, cpu_ns;
  latency_ns.reserve(names.size());
  cpu_ns.reserve(names.size());
  uint64_t listed = 0, found_top10 = 0, found_top1 = 0, unlisted = 0, unlisted_alerts = 0;
  for (const BenchName& b : names) {
    sc::ScreenQuery q;
    q.name = b.name;
    const uint64_t c0 = ThreadCpuNs();
    const uint64_t t0 = MonotonicNowNs();
    const std::vector<sc::Hit> hits = sc::Screen(idx, q, kBenchHitsLimit, kBenchScoreMin);
    latency_ns.push_back(MonotonicNowNs() - t0);
    cpu_ns.push_back(ThreadCpuNs() - c0);
    if (b.source >= 0) {
      ++listed;
      for (size_t r = 0; r < hits.size(); ++r) {
        if (hits[r].list == b.list && hits[r].entry_id == b.entry_id) {
          ++found_top10;
          found_top1 += r == 0 || hits[r].score == hits[0].score;
          break;
        }
      }
    } else {
      ++unlisted;
      unlisted_alerts += !hits.empty() && hits[0].score >= kBenchAlertScore;
    }
  }
  std::printf("listed names (perturbed): %llu, source entry in top %zu: %.1f%%, first: %.1f%%\n",
              static_cast<unsigned long long>(listed), kBenchHitsLimit,
              listed ? 100.0 * static_cast<double>(found_top10) / static_cast<double>(listed) : 0.0,
              listed ? 100.0 * static_cast<double>(found_top1) / static_cast<double>(listed) : 0.0);
  std::printf("unlisted names: %llu, top score >= %.2f: %.1f%%\n",
              static_cast<unsigned long long>(unlisted), kBenchAlertScore,
              unlisted
                  ? 100.0 * static_cast<double>(unlisted_alerts) / static_cast<double>(unlisted)
                  : 0.0);
  std::printf("cpu time per name: p50_us=%llu p99_us=%llu\n",
              static_cast<unsigned long long>((Percentile(cpu_ns, 0.50) + 500) / 1000),
              static_cast<unsigned long long>((Percentile(cpu_ns, 0.99) + 500) / 1000));
  const uint64_t p50_us = (Percentile(latency_ns, 0.50) + 500) / 1000;
  const uint64_t p99_us = (Percentile(latency_ns, 0.99) + 500) / 1000;
  std::printf("screening bench: names=%zu entries=%zu p50_us=%llu p99_us=%llu\n", names.size(),
              idx.entry_count(), static_cast<unsigned long long>(p50_us),
              static_cast<unsigned long long>(p99_us));
  return 0;
}

}  // namespace cb::app
