// Sanctions lists at `serve` start: what risk/sanctions_load.h prepares (lists stored
// content-addressed, the index built from them) goes to the risk service as a system op.
#include <memory>
#include <vector>

#include "app/commands.h"
#include "risk/ops.h"
#include "risk/sanctions_load.h"
#include "risk/service.h"

namespace cb::app {

Status LoadSanctionsLists(Disk* disk, runtime::Executor* executor, const std::string& data_dir,
                          const std::string& sources_dir,
                          std::map<std::string, risk::SanctionsListRecord>* recorded,
                          std::string* line) {
  risk::LoadSanctionsOp load;
  if (Status st = risk::PrepareSanctions(disk, data_dir, sources_dir, *recorded, &load, line);
      !st.ok()) {
    return st;
  }
  if (load.lists.empty() && load.index == nullptr) return Status::Ok();  // screening is off
  const std::vector<risk::SanctionsListMeta> lists = load.lists;
  auto op = std::make_shared<risk::RiskOp>();
  op->body = std::move(load);
  runtime::Reply r = RunOp(executor, std::move(op));
  if (!r.status.ok()) return r.status;
  if (r.http_status != 200) return Status::Internal("loading sanctions lists: " + r.body);
  // Only this caller journals lists, so after the op the service holds exactly these.
  for (const risk::SanctionsListMeta& m : lists) (*recorded)[m.name].meta = m;
  return Status::Ok();
}

}  // namespace cb::app
