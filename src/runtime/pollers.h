#pragma once
// Pollers: sources outside the journal that a service must read from (a clearing scheme's
// feed of answers and credits, issue 15). A poller runs on its own thread, fetches, and hands
// what it got to the shard as ordinary commands, waiting for each answer. Unlike a subscriber
// it has no cursor of its own: where it is in the outside source is state of the service it
// feeds (journaled with what it booked), so a crash re-fetches from there and the service
// refuses what it already has. Start after the executor started; Stop before it stops.
#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "runtime/command.h"
#include "runtime/service.h"

namespace cb::runtime {

class Executor;

// What a poller may do from its thread.
class PollerContext {
 public:
  virtual ~PollerContext() = default;
  // Runs `op` on the shard and waits for its answer (status Unavailable when the executor
  // is stopping).
  virtual Reply SubmitAndWait(std::shared_ptr<const ServiceOp> op) = 0;
  // Queues `op` without waiting; the future holds its answer (status Unavailable when it
  // could not be queued). Commands run in the order they were queued.
  virtual std::future<Reply> Submit(std::shared_ptr<const ServiceOp> op) = 0;
  // Waits `ms` or until Stop; false when stopping.
  virtual bool Sleep(uint64_t ms) = 0;
  virtual bool stopping() const = 0;
};

class Poller {
 public:
  virtual ~Poller() = default;
  virtual std::string_view name() const = 0;
  // The poller's loop: returns when ctx.stopping() (its blocking calls must time out within
  // about a second, so Stop does not wait longer).
  virtual void Run(PollerContext& ctx) = 0;
};

class PollerRunner final : public PollerContext {
 public:
  PollerRunner(Executor* executor, Poller* poller);
  ~PollerRunner() override;
  PollerRunner(const PollerRunner&) = delete;
  PollerRunner& operator=(const PollerRunner&) = delete;

  void Start();
  void Stop();

  Reply SubmitAndWait(std::shared_ptr<const ServiceOp> op) override;
  std::future<Reply> Submit(std::shared_ptr<const ServiceOp> op) override;
  bool Sleep(uint64_t ms) override;
  bool stopping() const override { return stopping_.load(); }

 private:
  Executor* executor_;
  Poller* poller_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace cb::runtime
