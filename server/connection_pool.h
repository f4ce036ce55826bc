// The threads that serve connections (cpp-httplib's TaskQueue): a connection holds one for its life, so
// connections beyond them wait. Those waiting are counted, so that an idle keep-alive connection gives its
// thread up to them (see HttpServer); past `max_waiting`, a new connection is answered 503 and closed at
// once by a lane of its own rather than left in an endless line.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace quiver::server {

class ConnectionPool : public httplib::TaskQueue {
 public:
  ConnectionPool(size_t threads, size_t max_waiting);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> connection) override;
  void shutdown() override;

  // Connections accepted and waiting for a thread, beyond those the idle threads are about to take.
  size_t waiting() const;
  // Whether the connection being served on this thread is one to refuse (the line was full).
  static bool refusing();

 private:
  void serve(bool refuse);

  const size_t max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable queued_, refused_queued_;
  std::deque<std::function<void()>> waiting_, refused_;
  size_t idle_;  // threads not serving a connection (from the start: those still starting count)
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace quiver::server
