#include "store/cancellation.h"

namespace quiver {

std::string describe(StopReason reason) {
  switch (reason) {
    case StopReason::Running:
      return "is running";
    case StopReason::Timeout:
      return "ran past its timeout";
    case StopReason::Cancelled:
      return "was cancelled";
    case StopReason::ClientGone:
      return "was cancelled: its client went away";
    case StopReason::ShuttingDown:
      return "was cancelled: the server is stopping";
  }
  return "stopped";
}

void Cancellation::limit(Clock::time_point deadline) {
  const Clock::rep wanted = deadline.time_since_epoch().count();
  Clock::rep current = deadline_.load();
  while (wanted < current && !deadline_.compare_exchange_weak(current, wanted)) {
  }
}

StopReason Cancellation::reason() const {
  const StopReason r = reason_.load(std::memory_order_relaxed);
  if (r != StopReason::Running) return r;
  if (Clock::now().time_since_epoch().count() <= deadline_.load(std::memory_order_relaxed)) return r;
  auto running = StopReason::Running;  // kept, so that a later cancel does not change the reason
  reason_.compare_exchange_strong(running, StopReason::Timeout);
  return reason_.load();
}

}  // namespace quiver
