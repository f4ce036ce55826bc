#include "server/admission.h"

#include <algorithm>
#include <chrono>

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
  constexpr auto kRecheck = std::chrono::milliseconds(10);  // a cancellation is a flag: looked at this often
  std::unique_lock lock(mutex_);
  if (running_ >= max_running_) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    while (running_ >= max_running_ && !stop.stopped())
      freed_.wait_until(lock, std::min(std::chrono::steady_clock::now() + kRecheck, stop.deadline()));
    --waiting_;
    if (running_ >= max_running_) return std::nullopt;
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
