// The HTTP server: cpp-httplib's, with Quiver's own connection loop in its place (the library's extension
// point for servers of other transports). What the loop does that the library's does not:
// - a request line whose query string holds a '?' past its first (legal in a URI's query, and what Apache
//   Jena's clients send) is accepted, where the library refuses it 400: such a '?' is quoted as %3F;
// - a socket is read and written without a poll before every call, and an idle keep-alive connection
//   waits in one poll rather than a poll and a sleep every 10 ms.
#pragma once

#include <httplib.h>

#include <chrono>

namespace quiver::server {

class HttpServer : public httplib::Server {
 public:
  // When the request being handled on this thread began to arrive (for the access log: a request the
  // library answers before routing, 413 or 400, has its own time too).
  static std::chrono::steady_clock::time_point request_start();

 private:
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace quiver::server
