#include "server/admission.h"

namespace quiver::server {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    admission_ = std::exchange(other.admission_, nullptr);
  }
  return *this;
}

void Admission::Ticket::release() {
  if (auto* admission = std::exchange(admission_, nullptr)) admission->leave();
}

std::optional<Admission::Ticket> Admission::enter(const Cancellation& stop) {
  std::unique_lock lock(mutex_);
  if (running_ >= max_running_) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    const bool free =
        wait_heeding(freed_, lock, stop.deadline(), &stop, [&] { return running_ < max_running_; });
    --waiting_;
    if (!free) return std::nullopt;
  }
  ++running_;
  return Ticket(this);
}

size_t Admission::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

void Admission::leave() {
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
  freed_.notify_one();
}

}  // namespace quiver::server
