// `corebank admin delete-cursor --data DIR --name NAME` (server stopped): forgets a
// subscriber's durable cursor (runtime::CursorDeleteOp, ADR 0012), for a subscriber retired
// for good or one that must start over. Journaled like any command, so replay forgets it too.
#include <cstdio>
#include <memory>

#include "app/commands.h"
#include "app/offline_node.h"
#include "runtime/executor.h"
#include "runtime/subscribers.h"

namespace cb::app {

int RunDeleteCursor(const std::string& data_dir, const std::string& name) {
  if (name.empty() || name.size() > runtime::CursorTable::kNameBytesMax) {
    std::fprintf(stderr, "admin delete-cursor: --name is 1 to %zu bytes\n",
                 runtime::CursorTable::kNameBytesMax);
    return 2;
  }
  auto node = OfflineNode::Open(data_dir);
  if (!node.ok()) {
    std::fprintf(stderr, "admin delete-cursor: %s\n", node.status().ToString().c_str());
    return 1;
  }
  auto op = std::make_shared<runtime::CursorDeleteOp>();
  op->name = name;
  runtime::Reply reply = RunOp(&(*node)->executor(), std::move(op));
  if (!reply.status.ok()) {
    std::fprintf(stderr, "admin delete-cursor: %s: %s\n", name.c_str(),
                 reply.status.ToString().c_str());
    return 1;
  }
  std::printf("admin delete-cursor: %s deleted (it was at seq %llu)\n", name.c_str(),
              static_cast<unsigned long long>(std::any_cast<uint64_t>(reply.service_result)));
  return 0;
}

}  // namespace cb::app
