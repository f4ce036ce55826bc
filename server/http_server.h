// The HTTP server: cpp-httplib's, with Quiver's own connection loop in its place (the library's extension
// point for servers of other transports). What the loop does that the library's does not:
// - a request line whose query string holds a '?' past its first (legal in a URI's query, and what Apache
//   Jena's clients send) is accepted, where the library refuses it 400: such a '?' is quoted as %3F;
// - a socket is read and written without a poll before every call, and an idle keep-alive connection
//   waits in polls of 100 ms rather than a poll and a sleep every 10 ms;
// - an idle keep-alive connection gives its thread up when another connection waits for one, and past the
//   line's bound a new connection is answered 503 (connection_pool.h);
// - a request's line and headers must arrive whole within the read timeout (414, 431, 408 otherwise: a
//   client sending a byte at a time holds a thread no longer), and a body left unread closes the
//   connection rather than being read as requests.
#pragma once

#include <httplib.h>

#include <chrono>

#include "server/connection_pool.h"

namespace quiver::server {

class HttpServer : public httplib::Server {
 public:
  // `threads` serve connections at once; up to `max_waiting` more wait for one.
  HttpServer(size_t threads, size_t max_waiting);

  // When the request being handled on this thread began to arrive (for the access log: a request the
  // library answers before routing, 413 or 400, has its own time too).
  static std::chrono::steady_clock::time_point request_start();

 private:
  bool process_and_close_socket(socket_t sock) override;

  ConnectionPool* pool_ = nullptr;  // owned by the library (its task queue), made when it listens
};

}  // namespace quiver::server
