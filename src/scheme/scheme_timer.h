#pragma once
// The scheme's timer thread: runs each scheduled task at its time (MonotonicNowNs) or soon
// after, in time order. The delayed pacs.002 and pacs.004 are tasks that hand a command to
// the writer; the timer itself touches no state. Waits on a condition variable until the
// earliest task is due or an earlier one is scheduled: nothing polls.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace cb::scheme {

class Timer {
 public:
  // Tasks pending at once. Each is owed by a received transfer (its answer, then its
  // return), which the scheme's inputs limit bounds; past this is a bug.
  static constexpr size_t kTasksMax = size_t{8} << 20;

  Timer() = default;
  ~Timer() { Stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void Start();
  // Joins the thread; tasks not yet due never run. Idempotent.
  void Stop();
  // Any thread. `task` runs on the timer thread and must not block.
  void Schedule(uint64_t due_steady_ns, std::function<void()> task);

 private:
  struct Task {
    uint64_t due_steady_ns;
    uint64_t order;  // ties run in scheduling order
    std::function<void()> run;
  };
  struct Later {
    bool operator()(const Task& a, const Task& b) const {
      return a.due_steady_ns != b.due_steady_ns ? a.due_steady_ns > b.due_steady_ns
                                                : a.order > b.order;
    }
  };
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Task, std::vector<Task>, Later> tasks_;
  uint64_t order_next_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace cb::scheme
