#pragma once
// A read view of durable state kept beside the shard for readers off the writer thread
// (platform/balance_view.h, ADR 0013). The executor drives it in two steps per batch: the
// writer stages what the batch changed right after executing it (the state is exactly
// "after this batch" only then), and the thread that releases the batch's replies publishes
// the staged copy once the batch is durable and before any of its replies goes out. So a
// reader never sees state that is not durable, and a client that got an answer reads at
// least the state that answer came from (read-your-writes).
#include <memory>

namespace cb::runtime {

class DurableView {
 public:
  // One batch's changes, held by the executor's in-flight slot between Stage and Publish.
  class Staged {
   public:
    virtual ~Staged() = default;
  };

  virtual ~DurableView() = default;
  virtual std::unique_ptr<Staged> NewStaged() = 0;
  // Writer thread, right after the batch executed and before the next one starts.
  virtual void Stage(Staged* staged) = 0;
  // Once the batch is durable, before its replies are released. Batches come in execution
  // order and never two at once (the journal thread, or the writer for a batch without
  // events when nothing is in flight).
  virtual void Publish(const Staged& staged) = 0;
};

}  // namespace cb::runtime
