// The threads that run queries and updates, with a bounded queue in front: a request that finds the queue
// full is answered 503 at once instead of piling up threads or memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace quiver::server {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t queue);
  ~WorkerPool();  // finishes the jobs queued, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Hands `job` to an idle worker or queues it; false when every worker is busy and the queue is full.
  bool submit(std::function<void()> job);
  // Jobs waiting for a worker, and workers running one (for /metrics).
  std::pair<size_t, size_t> queued_and_working();

 private:
  void work();

  const size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> jobs_;
  size_t working_ = 0;  // workers running a job
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace quiver::server
