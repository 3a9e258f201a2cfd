#include "app/offline_node.h"

#include "app/commands.h"

namespace cb::app {

Result<std::unique_ptr<OfflineNode>> OfflineNode::Open(const std::string& data_dir) {
  std::unique_ptr<OfflineNode> node(new OfflineNode());
  node->disk_ = NewPosixDisk();
  runtime::RecoveryInfo info;
  auto shard = OpenShard(node->disk_.get(), data_dir, &node->stack_, &info);
  if (!shard.ok()) return shard.status();
  node->shard_ = *std::move(shard);
  return node;
}

runtime::Executor& OfflineNode::executor() {
  if (executor_ == nullptr) {
    executor_ = std::make_unique<runtime::Executor>(shard_.get(), runtime::ExecutorOptions{});
    executor_->Start();
  }
  return *executor_;
}

OfflineNode::~OfflineNode() {
  if (executor_ != nullptr) executor_->Stop();
}

}  // namespace cb::app
