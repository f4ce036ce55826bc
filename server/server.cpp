#include "server/server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/access_log.h"
#include "server/http_server.h"
#include "server/load_jobs.h"
#include "server/service.h"

namespace quiver::server {

int status_of(const query::QueryError& error) {
  switch (error.kind) {
    case query::QueryError::Kind::Invalid:
      return 400;
    case query::QueryError::Kind::Unsupported:
      return 501;
    case query::QueryError::Kind::Forbidden:
      return 403;
    case query::QueryError::Kind::NotFound:
      return 404;
    case query::QueryError::Kind::Timeout:
    case query::QueryError::Kind::Cancelled:
      return 503;
    case query::QueryError::Kind::ResourceExhausted:
      return 500;
  }
  return 500;
}

int status_of(const DatabaseError& error) {
  switch (error.kind) {
    case DatabaseError::Kind::Busy:
      return 503;
    case DatabaseError::Kind::NotFound:
      return 404;
    case DatabaseError::Kind::Invalid:
      return 400;
  }
  return 500;
}

httplib::Params request_params(const httplib::Request& req, bool form_body) {
  httplib::Params params;
  if (const size_t mark = req.target.find('?'); mark != std::string::npos)
    httplib::detail::parse_query_text(req.target.substr(mark + 1), params);
  if (form_body) httplib::detail::parse_query_text(req.body, params);
  return params;
}

bool from_other_origin(const httplib::Request& req) {
  if (!req.has_header("Origin")) return false;  // not a browser's cross-site request
  std::string origin = req.get_header_value("Origin");
  if (const size_t scheme = origin.find("://"); scheme != std::string::npos) origin.erase(0, scheme + 3);
  return origin != req.get_header_value("Host");
}

std::optional<std::string> host_of(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  const bool plain = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
  if (!plain) return std::nullopt;
  std::string lower = host;  // host names are case-insensitive: one spelling for IRIs made of them
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

void serve_get_and_post(httplib::Server& http, const std::string& path, Service& service,
                        void (*handle)(Service&, const httplib::Request&, httplib::Response&)) {
  auto handler = [&service, handle](const httplib::Request& req, httplib::Response& res) {
    handle(service, req, res);
  };
  http.Get(path, handler);
  http.Post(path, handler);
}

std::pair<int, std::string> answer_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const query::QueryError& e) {
    return {status_of(e), e.what()};
  } catch (const DatabaseError& e) {
    return {status_of(e), e.what()};
  } catch (const LoadError& e) {
    return {400, e.what()};     // the body's syntax: the request's fault
  } catch (const Stopped& e) {  // a store walk of work that is not a query (an export, a graph's write)
    return {503, std::string("the request ") + e.what()};
  } catch (const std::exception& e) {
    return {500, e.what()};
  } catch (...) {
    return {500, "internal error"};
  }
}

void answer_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(message + "\n", "text/plain; charset=utf-8");
}

struct Server::Impl {
  Impl(Database& database, ServerOptions options)
      : service(database, std::move(options)),
        load_jobs(database, database.dir() / "loader-jobs.json"),
        http(connection_threads(service.options), connection_threads(service.options)) {}
  // Queries run on the connections' threads: enough threads for the running, those waiting in line, and
  // a few more, so that a full line is answered 503 rather than left waiting for a thread; as many
  // connections again may wait for a thread (idle keep-alive connections give theirs up to them).
  static size_t connection_threads(const ServerOptions& o) { return o.threads + o.queue + 4; }
  Service service;
  LoadJobs load_jobs;
  HttpServer http;
  bool bound = false;
  int listening_socket = -1;
  // The grace period after stop(): cancels what still runs when it ends, unless run() has returned.
  std::mutex stopping_mutex;
  std::condition_variable stopped;
  bool stopping = false, listening = false, done = false;
  std::thread grace_timer;
};

Server::Server(Database& database, ServerOptions options)
    : impl_(std::make_unique<Impl>(database, std::move(options))) {
  httplib::Server& http = impl_->http;
  const ServerOptions& o = impl_->service.options;
  // SO_REUSEADDR lets a restarted server bind while its old connections linger; httplib's default,
  // SO_REUSEPORT, would also let a second server share the port, each taking part of the connections.
  http.set_socket_options([&impl = *impl_](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl.listening_socket = sock;
  });
  // Results go out in chunks as they are made: with Nagle's algorithm a small answer's last chunk waits for
  // the client's delayed acknowledgement, 40 ms on Linux, for every request.
  http.set_tcp_nodelay(true);
  // A client keeps its connection for many requests (the library's default closes it after five: every
  // fifth request paid for a new connection).
  http.set_keep_alive_max_count(10000);
  http.set_payload_max_length(o.max_body_bytes);
  http.set_read_timeout(o.read_timeout);
  http.set_write_timeout(std::chrono::seconds(30));
  // Browser consoles on other origins may query the endpoint.
  http.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  http.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Content-Type, Accept, Authorization");
    res.status = 204;
  });
  http.set_pre_routing_handler(
      [&service = impl_->service](const httplib::Request& req, httplib::Response& res) {
        // Load balancers, CORS preflights, and the console's page (its queries ask for a token).
        const bool open = req.path == "/health" || req.method == "OPTIONS" || is_console_path(req.path);
        if (!open && !service.tokens.admit(req, res, Role::Read))
          return httplib::Server::HandlerResponse::Handled;
        return httplib::Server::HandlerResponse::Unhandled;
      });
  // What a route throws is answered here, with the status its kind calls for.
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    const auto [status, message] = answer_of(error);
    answer_error(res, status, message);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && res.status == 404) answer_error(res, 404, "no such resource");
    if (res.body.empty() && res.status == 413)
      answer_error(res, 413, "the request body is over the server's limit");
  });
  http.set_logger([&metrics = impl_->service.metrics, log = access_log()](const httplib::Request& req,
                                                                          const httplib::Response& res) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - HttpServer::request_start();
    metrics.record(Metrics::route_of(req.path), res.status, took.count());
    log->info("{} {} {} {:.1f} ms", req.method, req.path, res.status, took.count() * 1000);
  });
  add_sparql_route(http, impl_->service);
  add_status_route(http, impl_->service);
  add_health_route(http, impl_->service);
  add_fts_status_route(http, impl_->service);
  add_console_route(http);
  add_graph_store_route(http, impl_->service);
  add_loader_route(http, impl_->service, impl_->load_jobs);
  add_metrics_route(http, impl_->service, impl_->load_jobs);
}

Server::~Server() {
  // A stop() whose run() never came: its timer is still to be joined.
  {
    std::lock_guard lock(impl_->stopping_mutex);
    impl_->done = true;
  }
  impl_->stopped.notify_all();
  if (impl_->grace_timer.joinable()) impl_->grace_timer.join();
}

int Server::bind() {
  const ServerOptions& o = impl_->service.options;
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.bind);
    if (port < 0) port = 0;
  } else if (!impl_->http.bind_to_port(o.bind, port)) {
    port = 0;
  }
  if (!port)
    throw ServerError("cannot listen on " + o.bind + ":" + std::to_string(o.port) +
                      ": the address is in use or not this machine's");
  // httplib listens with a backlog of 5: fifty clients connecting at once would see connections reset.
  // listen() again on the listening socket sets a longer one.
  ::listen(impl_->listening_socket, SOMAXCONN);
  impl_->bound = true;
  return port;
}

void Server::run() {
  if (!impl_->bound) bind();
  {
    std::lock_guard lock(impl_->stopping_mutex);
    if (impl_->stopping) return;  // stopped before it started
    impl_->listening = true;
  }
  impl_->http.listen_after_bind();  // returns once the requests in flight are answered
  access_log()->flush();
  std::thread timer;
  {
    std::lock_guard lock(impl_->stopping_mutex);
    impl_->done = true;
    timer = std::move(impl_->grace_timer);
  }
  impl_->stopped.notify_all();
  if (timer.joinable()) timer.join();
}

void Server::stop() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.stopping_mutex);
    if (impl.stopping) return;
    impl.stopping = true;
    impl.grace_timer = std::thread([&impl] {
      std::unique_lock lock(impl.stopping_mutex);
      if (impl.stopped.wait_for(lock, impl.service.options.grace, [&] { return impl.done; })) return;
      impl.service.queries.cancel_all(StopReason::ShuttingDown);
    });
    if (!impl.listening) return;  // run() has not started: it will not
  }
  // The HTTP library ignores a stop until its loop runs: wait for it (run() is on its way there).
  while (!impl.http.is_running()) {
    {
      std::lock_guard lock(impl.stopping_mutex);
      if (impl.done) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl.http.stop();
}

}  // namespace quiver::server
