// HTTP requests of any shape sent to a live `quiver serve` in this process (a small store, loopback, a free
// port): the input's bytes go out on a new connection, which is then half-closed. The server must answer or
// close within a bound, never crash or leak, and still answer /health afterwards. Covers the connection
// loop (server/http_server.cpp), the routes' parameters (/sparql; /store with multipart and gzip bodies;
// /loader's JSON; /sparql/status), negotiation, and, on the second server, the token check: the input's
// first byte picks the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "engine/database.h"
#include "server/server.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Long enough for any request within the servers' own two-second time limit.
constexpr auto kAnswerBound = std::chrono::seconds(15);

// A server on a store of its own, for the life of the process (libFuzzer ends it).
class LiveServer {
 public:
  explicit LiveServer(bool tokens) {
    dir_ = fs::temp_directory_path() /
           ("quiver-http-fuzz-" + std::to_string(getpid()) + (tokens ? "-tokens" : "-open"));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "data" / "small.nt") << "<http://e/a> <http://e/p> \"1\" .\n"
                                                 "<http://e/a> <http://e/q> <http://e/b> .\n"
                                                 "<http://e/b> <http://e/p> \"two\"@en .\n";
    // As quiver serve opens it: a writer waits for the one before it a bounded time (its default is 10 s),
    // so that no input can leave requests waiting past the bound below.
    quiver::DatabaseOptions database_options;
    database_options.write_wait = std::chrono::seconds(2);
    database_ = quiver::Database::open(dir_ / "db", database_options);
    quiver::LoadOptions load;
    load.inputs = {dir_ / "data" / "small.nt"};
    database_->load(load);
    quiver::server::ServerOptions options;
    options.port = 0;
    options.bind = "127.0.0.1";
    options.data_root = dir_ / "data";
    options.timeout = std::chrono::seconds(2);
    options.threads = 2;
    options.queue = 4;
    options.max_body_bytes = 1 << 20;
    if (tokens) {
      std::ofstream(dir_ / "tokens") << "read r\nwrite w\nadmin a\n";
      options.auth_token_file = dir_ / "tokens";
    }
    server_ = std::make_unique<quiver::server::Server>(*database_, options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }

  // Sends `request` on a new connection, half-closes it, and reads the answer until the server closes.
  // nullopt when the server neither answers nor closes within kAnswerBound.
  std::optional<std::string> exchange(std::string_view request) const {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || !connected(fd, address)) quiver::fuzz::fail("cannot connect to the server");
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the server closed early: allowed (it answered, or refused)
      sent += static_cast<size_t>(n);
    }
    shutdown(fd, SHUT_WR);
    std::string answer;
    const auto give_up = Clock::now() + kAnswerBound;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Clock::now());
      pollfd p{fd, POLLIN, 0};
      const int ready = left.count() <= 0 ? 0 : poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;  // libFuzzer's timer signal, not the server
      if (ready <= 0) {
        close(fd);
        return std::nullopt;
      }
      char buffer[16384];
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      answer.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
    return answer;
  }

 private:
  // libFuzzer's timer signal may interrupt connect(); the connection then goes on being made.
  static bool connected(int fd, const sockaddr_in& address) {
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
    if (errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    int ready;
    while ((ready = poll(&p, 1, 15000)) < 0 && errno == EINTR) {
    }
    int error = 0;
    socklen_t length = sizeof error;
    return ready > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }

  fs::path dir_;
  std::unique_ptr<quiver::Database> database_;
  std::unique_ptr<quiver::server::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

QUIVER_FUZZ_TARGET(http_request) {
  static const LiveServer* open = new LiveServer(false);
  static const LiveServer* guarded = new LiveServer(true);
  if (size == 0) return 0;
  const LiveServer& server = (data[0] & 1) ? *guarded : *open;
  QUIVER_FUZZ_CHECK(server.exchange(quiver::fuzz::as_text(data + 1, size - 1)).has_value(),
                    "the server neither answered nor closed the connection");
  const auto health = server.exchange("GET /health HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n");
  QUIVER_FUZZ_CHECK(health && health->starts_with("HTTP/1.1 200"), "the server stopped answering /health");
  return 0;
}
