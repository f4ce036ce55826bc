#include "server/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace quiver::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A request line and a header block past these are refused (414, 431) before the library reads them.
constexpr size_t kMaxRequestLine = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH + 64;
constexpr size_t kMaxHeaders = 64 << 10;
constexpr size_t kReadChunk = 16 << 10;
constexpr size_t kHeldWrites = 16 << 10;

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

// Writes `text` whole to the socket; false when the client does not take it within `timeout` (at a time)
// or the connection broke.
bool send_all(int sock, std::string_view text, milliseconds timeout) {
  while (!text.empty()) {
    const ssize_t n = ::send(sock, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      text.remove_prefix(static_cast<size_t>(n));
    } else if (!(n < 0 && errno == EINTR) &&
               !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(sock, POLLOUT, timeout))) {
      return false;
    }
  }
  return true;
}

// An answer the loop gives by itself before the library sees the request; the connection then closes.
void refuse(int sock, int status, std::string_view reason, std::string_view message, milliseconds timeout) {
  send_all(sock,
           "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
               "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
               std::to_string(message.size() + 1) + "\r\nConnection: close\r\n\r\n" + std::string(message) +
               "\n",
           timeout);
}

// Closes a connection without destroying the answer just sent: closing a socket with request bytes still
// unread (a refused request, a body left unread) makes the kernel send a reset, which can discard the
// answer before the client has read it. The write side is shut first (the client sees the end), then what
// the client still sends is read and dropped until it closes too, for a short while at most.
void close_lingering(int sock) {
  constexpr auto kLinger = milliseconds(100);
  ::shutdown(sock, SHUT_WR);
  const auto until = Clock::now() + kLinger;
  char dropped[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    if (left.count() <= 0 || !wait_for(sock, POLLIN, left)) break;
    const ssize_t n = ::recv(sock, dropped, sizeof dropped, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) break;
  }
  ::close(sock);
}

// The value of header `name` (lower case) in a header block, case-insensitively; empty when absent.
std::string header_value(std::string_view block, std::string_view name) {
  for (size_t at = block.find("\r\n"); at != std::string_view::npos && at + 2 < block.size();) {
    const size_t line_end = block.find("\r\n", at + 2);
    const std::string_view line = block.substr(at + 2, line_end - at - 2);
    at = line_end;
    const size_t colon = line.find(':');
    if (colon != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < colon && same; ++i)
      same = std::tolower(static_cast<unsigned char>(line[i])) == name[i];
    if (!same) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    return std::string(value);
  }
  return {};
}

// One connection's socket as the library's Stream: reads through a buffer (the library reads request
// lines a byte at a time), with the read and write timeouts applied only when the socket is not ready.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int sock, milliseconds read_timeout, milliseconds write_timeout)
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool is_readable() const override {
    if (pos_ < buffer_.size()) return true;
    if (!held_.empty() && !flush()) return false;
    return wait_for(sock_, POLLIN, read_timeout_);
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == buffer_.size()) {
      // What the buffer held is consumed: a body streams through it without piling up.
      buffer_.clear();
      pos_ = 0;
      if (!fill(read_timeout_)) return closed_ ? 0 : -1;
    }
    const size_t n = std::min(size, buffer_.size() - pos_);
    std::memcpy(ptr, buffer_.data() + pos_, n);
    pos_ += n;
    delivered_ += n;
    return static_cast<ssize_t>(n);
  }

  // Small writes (a response's status line and headers, a small body, a last chunk) are held and go out
  // together: with TCP_NODELAY each send is a packet of its own. Held bytes go out before the stream waits
  // to read (an interim 100 Continue), with the next large write, and when the response is done (flush()).
  ssize_t write(const char* ptr, size_t size) override {
    if (held_.size() + size < kHeldWrites) {
      held_.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    if (!held_.empty()) {
      held_.append(ptr, size);
      return flush() ? static_cast<ssize_t>(size) : -1;
    }
    return send_all(sock_, {ptr, size}, write_timeout_) ? static_cast<ssize_t>(size) : -1;
  }

  // Sends what is held; false when the client does not take it within the write timeout.
  bool flush() const {
    const bool sent = send_all(sock_, held_, write_timeout_);
    held_.clear();
    return sent;
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

  // Before each request: waits up to `idle` for its first bytes while `keep_waiting` says so (the server
  // runs, no other connection waits for this thread), then reads its request line and headers whole,
  // within the read timeout in all (a client that sends them a byte at a time gets no longer), and quotes
  // the '?' of its query string past the first. False when the connection ends instead: closed by the
  // client, idle too long, given up, or refused here (a request line or headers too long, too slow).
  template <typename KeepWaiting>
  bool next_request(milliseconds idle, KeepWaiting keep_waiting) {
    buffer_.erase(0, pos_);
    pos_ = 0;
    delivered_ = 0;
    const auto give_up = Clock::now() + idle;
    while (buffer_.empty()) {
      if (!keep_waiting()) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(give_up - Clock::now());
      if (left.count() <= 0) return false;
      if (!fill(std::min(left, milliseconds(100))) && closed_) return false;
    }
    const auto headers_by = Clock::now() + read_timeout_;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      const size_t line = buffer_.find("\r\n");
      if ((line == std::string::npos ? buffer_.size() : line) > kMaxRequestLine) {
        refuse(sock_, 414, "URI Too Long", "the request line is too long: send a long query by POST",
               write_timeout_);
        return false;
      }
      if (buffer_.size() > kMaxHeaders) {
        refuse(sock_, 431, "Request Header Fields Too Large", "the request's headers are too large",
               write_timeout_);
        return false;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(headers_by - Clock::now());
      if (left.count() <= 0 || !fill(left)) {
        if (!closed_)
          refuse(sock_, 408, "Request Timeout", "the request's headers came too slowly", write_timeout_);
        return false;
      }
    }
    quote_extra_question_marks(buffer_.find("\r\n"));
    headers_size_ = buffer_.find("\r\n\r\n") + 4;
    const std::string_view block(buffer_.data(), headers_size_);
    chunked_ = !header_value(block, "transfer-encoding").empty();
    body_size_ = std::strtoull(header_value(block, "content-length").c_str(), nullptr, 10);
    return true;
  }

  // After the library has answered: whether the request's body was read to its end, so that the next bytes
  // are the next request's (a body left unread, say after a 401 or 413, must not be taken for requests).
  bool body_consumed() const { return !chunked_ && delivered_ >= headers_size_ + body_size_; }

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
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!held_.empty() && !flush()) return false;  // what the client may be waiting for, before waiting
      if (!wait_for(sock_, POLLIN, timeout)) return false;
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
  // Written, not sent yet: mutable, because the library's is_readable() is const and must send it first.
  mutable std::string held_;
  // The request being served: its header block's size, its body's framing, and the bytes the library read.
  size_t headers_size_ = 0, body_size_ = 0, delivered_ = 0;
  bool chunked_ = false;
};

thread_local Clock::time_point current_request_start;

milliseconds duration(time_t seconds, time_t microseconds) {
  return milliseconds(seconds * 1000 + microseconds / 1000);
}

}  // namespace

Clock::time_point HttpServer::request_start() {
  return current_request_start;
}

HttpServer::HttpServer(size_t threads, size_t max_waiting) {
  new_task_queue = [this, threads, max_waiting] {
    pool_ = new ConnectionPool(threads, max_waiting);
    return pool_;
  };
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  const milliseconds write_timeout = duration(write_timeout_sec_, write_timeout_usec_);
  if (ConnectionPool::refusing()) {
    refuse(sock, 503, "Service Unavailable", "the server has too many connections: try again", write_timeout);
    close_lingering(sock);
    return false;
  }
  ConnectionStream stream(sock, duration(read_timeout_sec_, read_timeout_usec_), write_timeout);
  bool ok = false;
  // An idle keep-alive connection keeps its thread while the server runs and no new connection waits for
  // one. A new connection waits for its first request in any case: its client has not been answered yet.
  size_t served = 0;
  const auto keep_waiting = [this, &served] {
    return svr_sock_ != INVALID_SOCKET && (served == 0 || !pool_ || pool_->waiting() == 0);
  };
  try {
    for (size_t left = keep_alive_max_count_;
         left > 0 && stream.next_request(milliseconds(keep_alive_timeout_sec_ * 1000), keep_waiting);
         --left, ++served) {
      bool closed = false;
      current_request_start = Clock::now();
      ok = process_request(stream, left == 1, closed, nullptr) && stream.flush();
      if (!ok || closed || !stream.body_consumed()) break;
    }
  } catch (const std::exception& e) {  // nothing may end the thread (and the process with it)
    spdlog::warn("a connection ended on an error: {}", e.what());
    ok = false;
  } catch (...) {
    spdlog::warn("a connection ended on an unknown error");
    ok = false;
  }
  close_lingering(sock);
  return ok;
}

}  // namespace quiver::server
