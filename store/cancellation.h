// The one way to stop work before its end: a query, an update or a load. Whoever may stop it (its timeout, a
// cancel by id, a client gone away, the server stopping) holds the same Cancellation as the work, which
// checks it in every operator and every long walk of the store. The first reason given is kept: it is what
// the work's error says.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

namespace quiver {

enum class StopReason : uint8_t { Running, Timeout, Cancelled, ClientGone, ShuttingDown };

// What stopped work says about itself: "ran past its timeout", "was cancelled", ...
std::string describe(StopReason reason);

// Thrown by the store's walks (and by check()) once the work's Cancellation says stop.
class Stopped : public std::runtime_error {
 public:
  explicit Stopped(StopReason reason) : std::runtime_error(describe(reason)), reason(reason) {}
  StopReason reason;
};

class Cancellation {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Cancellation(Clock::time_point deadline = Clock::time_point::max()) { limit(deadline); }
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Stops the work for `reason` (not Running); a later reason does not replace the first.
  void cancel(StopReason reason) {
    auto running = StopReason::Running;
    reason_.compare_exchange_strong(running, reason);
  }
  // Moves the deadline earlier; never later.
  void limit(Clock::time_point deadline);
  Clock::time_point deadline() const { return Clock::time_point(Clock::duration(deadline_.load())); }

  // Running while the work may go on. Reads the clock: callers on a per-row path ask every few thousand
  // rows.
  StopReason reason() const;
  bool stopped() const { return reason() != StopReason::Running; }
  // Throws Stopped once the work must stop.
  void check() const {
    if (const StopReason r = reason(); r != StopReason::Running) throw Stopped(r);
  }

 private:
  mutable std::atomic<StopReason> reason_ = StopReason::Running;
  std::atomic<Clock::rep> deadline_ = Clock::time_point::max().time_since_epoch().count();
};

// Waits on `changed` (its `lock` held) until `ready()`, giving up at `until` or once `stop` (when given)
// says stop. A cancellation is a flag nobody notifies: it is looked at every few milliseconds. Returns
// ready().
template <class Ready>
bool wait_heeding(std::condition_variable& changed, std::unique_lock<std::mutex>& lock,
                  Cancellation::Clock::time_point until, const Cancellation* stop, Ready ready) {
  constexpr auto kRecheck = std::chrono::milliseconds(10);
  while (!ready()) {
    if (stop && stop->stopped()) return false;
    const auto now = Cancellation::Clock::now();
    if (now >= until) return false;
    if (stop)
      changed.wait_until(lock, std::min(until, now + kRecheck));
    else if (until == Cancellation::Clock::time_point::max())
      changed.wait(lock);
    else
      changed.wait_until(lock, until);
  }
  return true;
}

}  // namespace quiver
