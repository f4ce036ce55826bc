#include "server/worker_pool.h"

namespace quiver::server {

WorkerPool::WorkerPool(size_t threads, size_t queue) : max_queued_(queue) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool WorkerPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    // Taken by a worker not busy (at once, or as soon as it is waiting), or queued.
    if (jobs_.size() + working_ >= threads_.size() + max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  queued_.notify_one();
  return true;
}

void WorkerPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++working_;
    }
    try {
      job();
    } catch (...) {  // a job answers its own errors; nothing that escapes may end the server
    }
    job = nullptr;  // what the job holds goes before the worker counts as free
    std::lock_guard lock(mutex_);
    --working_;
  }
}

std::pair<size_t, size_t> WorkerPool::queued_and_working() {
  std::lock_guard lock(mutex_);
  return {jobs_.size(), working_};
}

}  // namespace quiver::server
