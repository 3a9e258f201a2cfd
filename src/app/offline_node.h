#pragma once
// A data directory opened by a command while the server is stopped (admin create-key,
// admin delete-cursor, policy activate, policy dry-run): every service recovered from the
// newest snapshot and the journal tail, and an executor started on first use to run ops
// exactly as `serve` would (journaled, durable before they answer).
#include <memory>
#include <string>

#include "app/platform_stack.h"
#include "runtime/executor.h"

namespace cb::app {

class OfflineNode {
 public:
  // NotFound when DATA has no journal; other errors as recovery reports them.
  static Result<std::unique_ptr<OfflineNode>> Open(const std::string& data_dir);
  ~OfflineNode();
  OfflineNode(const OfflineNode&) = delete;
  OfflineNode& operator=(const OfflineNode&) = delete;

  Disk* disk() { return disk_.get(); }
  PlatformStack& stack() { return stack_; }
  runtime::Shard& shard() { return *shard_; }
  // Started on first use; stopped when the node goes away.
  runtime::Executor& executor();

 private:
  OfflineNode() = default;
  std::unique_ptr<Disk> disk_;
  PlatformStack stack_;
  std::unique_ptr<runtime::Shard> shard_;
  std::unique_ptr<runtime::Executor> executor_;
};

}  // namespace cb::app
