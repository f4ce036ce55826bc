// What the routes of the server share: the database, the options, how many queries run at once, the
// running queries, and the answers to errors. Internal to server/.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "query/frontend.h"
#include "server/admission.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/query_registry.h"
#include "server/server.h"

namespace quiver::server {

struct Service {
  Service(Database& d, ServerOptions o)
      : database(d),
        options(std::move(o)),
        tokens(options.auth_token_file.empty() ? Tokens() : Tokens::read(options.auth_token_file)),
        admission(options.threads, options.queue) {}
  Database& database;  // writers wait for one another at most its write_wait, then get "busy"
  const ServerOptions options;
  // Every request but /health needs a read token (checked before routing); writes check for more.
  const Tokens tokens;
  Metrics metrics;
  QueryRegistry queries;
  Admission admission;  // of the queries and exports, which run on the requests' threads
};

// The parameters of a request: its URL's, and with `form_body` those of its form-encoded body, whatever
// the HTTP library has parsed already.
httplib::Params request_params(const httplib::Request& req, bool form_body);
// The request's Host header when it is a plain host[:port] that may go inside an IRI.
std::optional<std::string> host_of(const httplib::Request& req);
// Whether a browser sent the request from a page of another origin (its Origin header names another host
// than the one the request is addressed to): such a page must not change the store or stop queries.
bool from_other_origin(const httplib::Request& req);

// The HTTP status for an error of a query or update: 400 for the request's own fault, 501 for what Quiver
// does not do, 503 for a timeout or cancellation, 500 for resources exhausted.
int status_of(const query::QueryError& error);
// 503 for busy, 404 for what is not there, 400 for a request that cannot be.
int status_of(const DatabaseError& error);
// The status and message for what a request's work threw: status_of() for query and database errors, 400
// for a body that does not parse, 503 for work stopped, 500 for the rest.
std::pair<int, std::string> answer_of(std::exception_ptr error);
// Answers `status` with `message` as plain text.
void answer_error(httplib::Response& res, int status, const std::string& message);

// Work that writes a response body, streamed to the client as it comes (streamed_response.cpp).
struct StreamedWork {
  std::string listed_as;  // its text in /sparql/status, where it can be cancelled meanwhile
  std::chrono::steady_clock::time_point deadline;
  std::string content_type;  // of the body, when the work succeeds
  // Writes the body to `out`, checking `stop`; throws QueryError, DatabaseError or another exception (500).
  std::function<void(std::FILE* out, Cancellation& stop)> produce;
};
// Answers 200 with the body once the work has written its first chunks, or the status of its error when it
// failed before; 503 when too many requests run and the line to run is full.
void answer_streamed(Service& service, httplib::Response& res, StreamedWork work);

// Registers `handle` for GET and POST requests to `path`.
void serve_get_and_post(httplib::Server& http, const std::string& path, Service& service,
                        void (*handle)(Service&, const httplib::Request&, httplib::Response&));

// The routes, one file each.
void add_sparql_route(httplib::Server& http, Service& service);
void add_status_route(httplib::Server& http, Service& service);
void add_health_route(httplib::Server& http, Service& service);
void add_fts_status_route(httplib::Server& http, Service& service);
void add_console_route(httplib::Server& http);
// Whether a path is the console's (open without a token).
bool is_console_path(const std::string& path);
void add_graph_store_route(httplib::Server& http, Service& service);
class LoadJobs;
void add_loader_route(httplib::Server& http, Service& service, LoadJobs& jobs);
void add_metrics_route(httplib::Server& http, Service& service, LoadJobs& jobs);

}  // namespace quiver::server
