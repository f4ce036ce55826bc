// `quiver serve`: the SPARQL 1.1 Protocol over HTTP (server/), in front of one store. The public header of
// server/: the options and the server's life cycle; each route is in a file of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/database.h"

namespace quiver::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";  // loopback unless asked: the endpoint has no authentication yet
  int port = 7878;                 // 0: any free port (tests)
  size_t threads = 16;             // requests served at once; more wait in a bounded queue
  size_t queue = 64;               // requests waiting beyond that; past it, 503
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};  // per query or update: default and maximum
  bool read_only = false;                                      // updates refused with 403
  size_t max_body_bytes = size_t{64} << 20;
  size_t max_query_bytes = size_t{1} << 20;
  size_t memory_limit = size_t{1} << 30;  // per query
  // A request's line and headers arrive within it (408 otherwise: a slow client holds no thread for long),
  // as does each read of its body and the next request on a kept connection.
  std::chrono::milliseconds read_timeout{std::chrono::seconds(10)};
  // After a stop, how long the requests in flight have to finish before their queries are cancelled.
  std::chrono::milliseconds grace{std::chrono::seconds(10)};
  // LOAD <file:...> and the loader API read only under this folder; empty refuses both.
  std::filesystem::path data_root;
  // "ROLE TOKEN" lines (server/auth.h); empty: no tokens asked for.
  std::filesystem::path auth_token_file;
};

class ServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  Server(Database& database, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address; the port bound (the one asked, or a free one for port 0). Throws ServerError.
  int bind();
  // Serves until stop(); returns once the requests in flight are answered.
  void run();
  // From any thread (a signal handler's watcher): stops accepting and ends run(); queries still running
  // after the grace period are cancelled.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver::server
