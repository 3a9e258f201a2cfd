#include "risk/sanctions_load.h"

#include <filesystem>
#include <memory>
#include <vector>

#include "risk/sanctions_store.h"
#include "risk/screening/list_codec.h"
#include "risk/screening/lists.h"
#include "risk/screening/screening.h"

namespace cb::risk {

namespace sc = screening;
namespace fs = std::filesystem;

SanctionsSources FindSanctionsSources(const std::string& root) {
  SanctionsSources s;
  std::error_code ec;
  const fs::path r(root);
  for (const fs::path& d : {r / "ofac_sdn_2019-01", r}) {
    if (fs::exists(d / "sdn.csv", ec)) {
      s.ofac_dir = d.string();
      break;
    }
  }
  for (const fs::path& x : {r / "un" / "UN_consolidated.xml", r / "UN_consolidated.xml"}) {
    if (fs::exists(x, ec)) {
      s.un_xml = x.string();
      break;
    }
  }
  return s;
}

namespace {

// Loads what `sources_dir` holds (nothing when it does not exist).
Status LoadSources(const std::string& sources_dir, std::vector<sc::SanctionsList>* out) {
  if (sources_dir.empty()) return Status::Ok();
  const SanctionsSources src = FindSanctionsSources(sources_dir);
  if (!src.ofac_dir.empty()) {
    Result<sc::SanctionsList> l = sc::LoadOfacSdn(src.ofac_dir);
    if (!l.ok()) {
      return Status::InvalidArgument("OFAC SDN " + src.ofac_dir + ": " + l.status().message());
    }
    out->push_back(*std::move(l));
  }
  if (!src.un_xml.empty()) {
    Result<sc::SanctionsList> l = sc::LoadUnConsolidated(src.un_xml);
    if (!l.ok()) {
      return Status::InvalidArgument("UN list " + src.un_xml + ": " + l.status().message());
    }
    out->push_back(*std::move(l));
  }
  return Status::Ok();
}

}  // namespace

Status PrepareSanctions(Disk* disk, const std::string& data_dir, const std::string& sources_dir,
                        const std::map<std::string, SanctionsListRecord>& recorded,
                        LoadSanctionsOp* op, std::string* line) {
  std::vector<sc::SanctionsList> sources;
  if (Status st = LoadSources(sources_dir, &sources); !st.ok()) return st;
  // The target: the latest hash per list name once the op has run.
  std::map<std::string, SanctionsListMeta> target;
  for (const auto& [name, r] : recorded) target[name] = r.meta;
  size_t changed = 0;
  for (const sc::SanctionsList& l : sources) {
    Result<std::string> bytes = sc::SerializeList(l);
    if (!bytes.ok()) return bytes.status();
    SanctionsListMeta m{.name = l.name,
                        .version = l.version,
                        .entries = static_cast<uint32_t>(l.entries.size()),
                        .sha256 = Sha256Of(bytes->data(), bytes->size())};
    if (Status st = StoreSanctionsList(disk, data_dir, m.sha256, *bytes); !st.ok()) {
      return Status(st.code(), "storing sanctions list " + l.name + ": " + st.message());
    }
    auto it = recorded.find(l.name);
    if (it == recorded.end() || it->second.meta.sha256 != m.sha256) changed++;
    target[l.name] = m;
    op->lists.push_back(std::move(m));
  }
  sources.clear();  // the index is built from the stored files, not from these
  if (target.empty()) {
    *line = "sanctions screening is OFF: no lists under '" + sources_dir +
            "' and none loaded before (set sanctions_dir or COREBANK_SANCTIONS_DIR)";
    return Status::Ok();
  }
  std::vector<sc::SanctionsList> lists;
  std::string names;
  size_t entries = 0;
  for (const auto& [name, m] : target) {
    Result<sc::SanctionsList> l = ReadSanctionsList(disk, data_dir, m.sha256);
    if (!l.ok()) {
      return Status::DataLoss("sanctions list " + name + " (sha256 " + HashHex(m.sha256) +
                              "): " + l.status().message());
    }
    if (l->name != name) return Status::DataLoss("sanctions list file names another list: " + name);
    entries += l->entries.size();
    names += (names.empty() ? "" : ", ") + name + " " + HashHex(m.sha256).substr(0, 12);
    lists.push_back(*std::move(l));
  }
  Result<std::unique_ptr<sc::ScreeningIndex>> index = sc::ScreeningIndex::Build(std::move(lists));
  if (!index.ok()) return index.status();
  op->index = std::shared_ptr<const sc::ScreeningIndex>(std::move(*index));
  *line = "sanctions screening on: " + std::to_string(target.size()) + " lists (" + names + "), " +
          std::to_string(entries) + " entries; " + std::to_string(changed) + " newly journaled";
  return Status::Ok();
}

}  // namespace cb::risk
