// PollerRunner: one thread per poller (pollers.h).
#include "runtime/pollers.h"

#include <chrono>
#include <future>

#include "base/check.h"
#include "runtime/executor.h"

namespace cb::runtime {

PollerRunner::PollerRunner(Executor* executor, Poller* poller)
    : executor_(executor), poller_(poller) {
  CB_CHECK(executor_ != nullptr && poller_ != nullptr);
}

PollerRunner::~PollerRunner() { Stop(); }

void PollerRunner::Start() {
  CB_CHECK(!thread_.joinable());
  thread_ = std::thread([this] { poller_->Run(*this); });
}

void PollerRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Reply PollerRunner::SubmitAndWait(std::shared_ptr<const ServiceOp> op) {
  return Submit(std::move(op)).get();
}

std::future<Reply> PollerRunner::Submit(std::shared_ptr<const ServiceOp> op) {
  auto promise = std::make_shared<std::promise<Reply>>();
  std::future<Reply> done = promise->get_future();
  Status st = executor_->Submit(ServiceCmd{std::move(op)},
                                [promise](Reply&& r) { promise->set_value(std::move(r)); });
  if (!st.ok()) {
    Reply r;
    r.status = st;
    promise->set_value(std::move(r));
  }
  return done;  // the executor answers every queued command, also when it stops
}

bool PollerRunner::Sleep(uint64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
  return !stopping_.load();
}

}  // namespace cb::runtime
