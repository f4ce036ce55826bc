// How many requests run their work (a query, an export) at once, with a bounded line in front: a request
// that finds the line full is answered 503 at once instead of piling up memory, and one that waits past its
// deadline gives up. The work runs on the request's own connection thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

#include "store/cancellation.h"

namespace quiver::server {

class Admission {
 public:
  Admission(size_t running, size_t waiting) : max_running_(running), max_waiting_(waiting) {}

  // A place among the running, given back when destroyed.
  class Ticket {
   public:
    explicit Ticket(Admission* admission) : admission_(admission) {}
    Ticket(Ticket&& other) noexcept : admission_(std::exchange(other.admission_, nullptr)) {}
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { release(); }
    void release();

   private:
    Admission* admission_;
  };

  // A place, waiting in line for one while the line has room and `stop` allows; nullopt otherwise (when
  // `stop` has not stopped, the line was full).
  std::optional<Ticket> enter(const Cancellation& stop);
  // Requests waiting in line (for /metrics).
  size_t waiting() const;

 private:
  void leave();

  const size_t max_running_, max_waiting_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  size_t running_ = 0, waiting_ = 0;
};

}  // namespace quiver::server
