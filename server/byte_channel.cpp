#include "server/byte_channel.h"

namespace quiver::server {

bool ByteChannel::write(const char* data, size_t size) {
  constexpr auto kRecheck = std::chrono::milliseconds(10);  // a cancellation is a flag: looked at this often
  std::unique_lock lock(mutex_);
  while (!closed_ && chunks_.size() >= max_chunks_) {
    if (stop_->stopped()) return false;
    changed_.wait_until(lock, std::min(std::chrono::steady_clock::now() + kRecheck, stop_->deadline()));
  }
  if (closed_) return false;
  chunks_.emplace_back(data, size);
  changed_.notify_all();
  return true;
}

void ByteChannel::finish(std::optional<std::string> error) {
  std::lock_guard lock(mutex_);
  finished_ = true;
  error_ = std::move(error);
  changed_.notify_all();
}

bool ByteChannel::wait_started() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return finished_ || !chunks_.empty(); });
  return !chunks_.empty();
}

std::optional<std::string> ByteChannel::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool ByteChannel::next(std::string& chunk) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return finished_ || !chunks_.empty(); });
  if (chunks_.empty()) return false;
  chunk = std::move(chunks_.front());
  chunks_.pop_front();
  changed_.notify_all();
  return true;
}

void ByteChannel::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  chunks_.clear();
  changed_.notify_all();
}

std::FILE* ByteChannel::open_file() {
  cookie_io_functions_t io{};
  io.write = [](void* cookie, const char* data, size_t size) -> ssize_t {
    return static_cast<ByteChannel*>(cookie)->write(data, size) ? static_cast<ssize_t>(size) : -1;
  };
  std::FILE* file = fopencookie(this, "w", io);
  if (file) std::setvbuf(file, nullptr, _IOFBF, 64 << 10);
  return file;
}

}  // namespace quiver::server
