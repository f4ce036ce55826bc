#include "server/connection_pool.h"

#include <cstdlib>
#include <cstring>

namespace quiver::server {
namespace {
thread_local bool refusing_here = false;

// A thread's first requests fault in the first pages of its allocator's arena. On transparent huge pages
// (cli/allocator_options.cpp) each fault zeroes 2 MiB, and a fresh server's first few requests each took
// 10-15 ms more than the next ones. Each thread faults in and frees a large block before it takes
// connections, and the first requests take 1-2 ms. (Pieces small enough to stay in the thread's arena do as
// well, but hold much more memory until jemalloc purges them.) One thread at a time: a pool of many
// threads holds one block at once.
void fault_in_allocator_pages() {
  constexpr size_t kBytes = size_t{16} << 20;
  static std::mutex one_at_a_time;
  const std::lock_guard lock(one_at_a_time);
  char* block = static_cast<char*>(std::malloc(kBytes));
  if (!block) return;
  // Not zeros: malloc and a zeroing memset may become a calloc, which touches nothing. The barrier keeps
  // writes that nothing reads.
  std::memset(block, 1, kBytes);
  asm volatile("" : : "r"(block) : "memory");
  std::free(block);
}
}  // namespace

ConnectionPool::ConnectionPool(size_t threads, size_t max_waiting)
    : max_waiting_(max_waiting), idle_(threads) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { serve(false); });
  threads_.emplace_back([this] { serve(true); });  // the lane that refuses
}

ConnectionPool::~ConnectionPool() {
  shutdown();
}

void ConnectionPool::enqueue(std::function<void()> connection) {
  bool refused;
  {
    std::lock_guard lock(mutex_);
    // Idle threads are about to take as many: only connections beyond them wait.
    refused = waiting_.size() >= max_waiting_ + idle_;
    (refused ? refused_ : waiting_).push_back(std::move(connection));
  }
  (refused ? refused_queued_ : queued_).notify_one();
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  refused_queued_.notify_all();
  for (std::thread& t : threads_) t.join();
}

size_t ConnectionPool::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size() > idle_ ? waiting_.size() - idle_ : 0;
}

bool ConnectionPool::refusing() {
  return refusing_here;
}

void ConnectionPool::serve(bool refuse) {
  refusing_here = refuse;
  if (!refuse) fault_in_allocator_pages();
  auto& line = refuse ? refused_ : waiting_;
  auto& queued = refuse ? refused_queued_ : queued_;
  for (;;) {
    std::function<void()> connection;
    {
      std::unique_lock lock(mutex_);
      queued.wait(lock, [&] { return stopping_ || !line.empty(); });
      if (line.empty()) return;  // stopping, and every connection accepted has been served
      connection = std::move(line.front());
      line.pop_front();
      if (!refuse) --idle_;
    }
    connection();
    if (!refuse) {
      std::lock_guard lock(mutex_);
      ++idle_;
    }
  }
}

}  // namespace quiver::server
