#include "server/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace quiver::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Longer request lines are left as they are: the library answers them 414.
constexpr size_t kMaxRequestLine = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH + 64;
constexpr size_t kReadChunk = 16 << 10;

// Waits until `sock` is ready for `events` or `timeout` passes; false on a timeout or an error.
bool wait_for(int sock, short events, milliseconds timeout) {
  pollfd fd{sock, events, 0};
  for (;;) {
    const int n = ::poll(&fd, 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}

std::string address(const sockaddr_storage& addr, int& port) {
  char host[NI_MAXHOST] = "";
  char service[NI_MAXSERV] = "";
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof addr, host, sizeof host, service,
                  sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return {};
  port = std::atoi(service);
  return host;
}

// One connection's socket as the library's Stream: reads through a buffer (the library reads request
// lines a byte at a time), with the read and write timeouts applied only when the socket is not ready.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, milliseconds read_timeout, milliseconds write_timeout)
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool is_readable() const override {
    return pos_ < buffer_.size() || wait_for(sock_, POLLIN, read_timeout_);
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == buffer_.size() && !fill(read_timeout_)) return closed_ ? 0 : -1;
    const size_t n = std::min(size, buffer_.size() - pos_);
    std::memcpy(ptr, buffer_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(sock_, POLLOUT, write_timeout_)) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) ip = address(addr, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) ip = address(addr, port);
  }
  socket_t socket() const override { return sock_; }

  // Before each request: waits up to `idle` for its first bytes, looking every so often whether the server
  // still runs, then reads its request line and quotes the '?' of its query string past the first. False
  // when the connection ends instead (closed by the client, idle too long, or the server stopping).
  template <typename Running>
  bool next_request(milliseconds idle, Running running) {
    buffer_.erase(0, pos_);
    pos_ = 0;
    const auto give_up = Clock::now() + idle;
    while (buffer_.empty()) {
      if (!running()) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(give_up - Clock::now());
      if (left.count() <= 0) return false;
      if (!fill(std::min(left, milliseconds(100))) && closed_) return false;
    }
    size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos && buffer_.size() < kMaxRequestLine)
      if (!fill(read_timeout_)) return !buffer_.empty();  // the library answers what it can of it
    if (end != std::string::npos) quote_extra_question_marks(end);
    return true;
  }

 private:
  // Appends what the socket has (waiting up to `timeout` for it); false on a timeout, an error or the end
  // (then closed_).
  bool fill(milliseconds timeout) {
    char chunk[kReadChunk];
    for (;;) {
      const ssize_t n = ::recv(sock_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) {
        closed_ = true;
        return false;
      }
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_for(sock_, POLLIN, timeout)) return false;
    }
  }

  // In the request line ending at `end`: METHOD SP target SP version.
  void quote_extra_question_marks(size_t end) {
    const size_t target = buffer_.find(' ');
    if (target == std::string::npos || target >= end) return;
    const size_t target_end = buffer_.find(' ', target + 1);
    if (target_end == std::string::npos || target_end > end) return;
    const size_t query = buffer_.find('?', target + 1);
    if (query == std::string::npos || query >= target_end) return;
    std::string quoted;
    for (size_t i = query + 1; i < target_end; ++i) {
      if (buffer_[i] == '?')
        quoted += "%3F";
      else
        quoted += buffer_[i];
    }
    buffer_.replace(query + 1, target_end - query - 1, quoted);
  }

  const int sock_;
  const milliseconds read_timeout_, write_timeout_;
  std::string buffer_;
  size_t pos_ = 0;
  bool closed_ = false;
};

thread_local Clock::time_point current_request_start;

milliseconds duration(time_t seconds, time_t microseconds) {
  return milliseconds(seconds * 1000 + microseconds / 1000);
}

}  // namespace

Clock::time_point HttpServer::request_start() {
  return current_request_start;
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, duration(read_timeout_sec_, read_timeout_usec_),
                          duration(write_timeout_sec_, write_timeout_usec_));
  bool ok = false;
  const auto running = [this] { return svr_sock_ != INVALID_SOCKET; };
  for (size_t left = keep_alive_max_count_;
       left > 0 && stream.next_request(milliseconds(keep_alive_timeout_sec_ * 1000), running); --left) {
    bool closed = false;
    current_request_start = Clock::now();
    ok = process_request(stream, left == 1, closed, nullptr);
    if (!ok || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace quiver::server
