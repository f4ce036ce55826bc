// /sparql: the SPARQL 1.1 Protocol. Queries by GET ?query=, POST form (query=) or POST
// application/sparql-query; updates by POST form (update=) or POST application/sparql-update. Results are
// negotiated (negotiation.h) and streamed (answer_streamed).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "query/query.h"
#include "query/update.h"
#include "server/negotiation.h"
#include "server/service.h"

namespace quiver::server {
namespace {

// The protocol's parameters of one request, wherever they came from.
struct ProtocolRequest {
  std::optional<std::string> query, update;
  std::vector<std::string> default_graphs, named_graphs;
  std::vector<std::string> using_graphs, using_named_graphs;  // an update's dataset
  std::string format;                                         // a browser's stand-in for Accept
  std::string explain;          // static, dynamic or details (Neptune's): answer with the plan
  std::optional<long> timeout;  // milliseconds
};

std::string media_type_of(const httplib::Request& req) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

std::vector<std::string> values(const httplib::Params& params, const std::string& name) {
  std::vector<std::string> out;
  auto [first, last] = params.equal_range(name);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

// The request's parameters, or an answer already given (400, 415) when they cannot be read.
std::optional<ProtocolRequest> read_request(const httplib::Request& req, httplib::Response& res) {
  const std::string type = req.method == "POST" ? media_type_of(req) : "";
  const bool form = type == "application/x-www-form-urlencoded";
  const httplib::Params params = request_params(req, form);
  ProtocolRequest r;
  if (req.method == "POST" && !form) {
    if (type == "application/sparql-query") {
      r.query = req.body;
    } else if (type == "application/sparql-update") {
      r.update = req.body;
    } else {
      answer_error(res, 415,
                   "a POST to /sparql takes application/sparql-query, application/sparql-update or "
                   "application/x-www-form-urlencoded, not '" +
                       type + "'");
      return std::nullopt;
    }
  }
  auto one = [&](const std::string& name, std::optional<std::string>& into) {
    const auto all = values(params, name);
    if (all.size() > 1) throw std::invalid_argument("the parameter '" + name + "' is given more than once");
    if (!all.empty()) {
      if (into) throw std::invalid_argument("the " + name + " is given both in the body and as a parameter");
      into = all.front();
    }
  };
  try {
    one("query", r.query);
    if (req.method == "POST") one("update", r.update);
  } catch (const std::invalid_argument& e) {
    answer_error(res, 400, e.what());
    return std::nullopt;
  }
  if (r.query && r.update) {
    answer_error(res, 400, "a request is either a query or an update, not both");
    return std::nullopt;
  }
  if (!values(params, "update").empty() && req.method != "POST") {
    answer_error(res, 405, "an update is sent by POST");
    return std::nullopt;
  }
  r.default_graphs = values(params, "default-graph-uri");
  r.named_graphs = values(params, "named-graph-uri");
  r.using_graphs = values(params, "using-graph-uri");
  r.using_named_graphs = values(params, "using-named-graph-uri");
  if (params.count("format")) r.format = params.find("format")->second;
  if (params.count("explain")) {
    r.explain = params.find("explain")->second;
    if (r.explain != "static" && r.explain != "dynamic" && r.explain != "details") {
      answer_error(res, 400, "explain is static, dynamic or details, not '" + r.explain + "'");
      return std::nullopt;
    }
  }
  if (params.count("timeout")) {
    const std::string& text = params.find("timeout")->second;
    char* end = nullptr;
    const long ms = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || ms <= 0) {
      answer_error(res, 400, "timeout is a number of milliseconds above 0, got '" + text + "'");
      return std::nullopt;
    }
    r.timeout = ms;
  }
  return r;
}

std::chrono::milliseconds timeout_of(const ProtocolRequest& r, const ServerOptions& options) {
  if (!r.timeout) return options.timeout;
  return std::min(options.timeout, std::chrono::milliseconds(*r.timeout));
}

// A query's time and memory: the request's timeout within the server's, the server's memory limit.
query::QueryOptions query_options(const ProtocolRequest& r, const ServerOptions& server) {
  query::QueryOptions options;
  options.timeout = timeout_of(r, server);
  options.memory_limit = server.memory_limit;
  return options;
}

// explain=static: the plan with its estimates, the query not run; dynamic and details: run, with the rows
// and time of each operator. As text, as Neptune answers.
void answer_explain(Service& service, httplib::Response& res, const ProtocolRequest& r, const query::Query& q,
                    std::chrono::steady_clock::time_point start) {
  query::QueryOptions options = query_options(r, service.options);
  options.plan_only = r.explain == "static";
  answer_streamed(service, res,
                  {.listed_as = *r.query,
                   .deadline = start + options.timeout,
                   .content_type = "text/plain; charset=utf-8",
                   .produce = [&database = service.database, q, options, start](std::FILE* out,
                                                                                Cancellation& stop) mutable {
                     std::string plan;
                     options.plan = &plan;
                     options.cancellation = &stop;
                     query::CountingSink sink;
                     database.execute(q, options, sink, start);
                     std::fputs(plan.c_str(), out);
                   }});
}

void answer_query(Service& service, const httplib::Request& req, httplib::Response& res,
                  const ProtocolRequest& r) {
  const auto start = std::chrono::steady_clock::now();
  if (r.query->size() > service.options.max_query_bytes) {
    answer_error(res, 413,
                 "the query is longer than the server's limit of " +
                     std::to_string(service.options.max_query_bytes) + " bytes");
    return;
  }
  query::Query q = service.database.prepare(*r.query);         // a syntax error: answer_of(), 400
  if (!r.default_graphs.empty() || !r.named_graphs.empty()) {  // the protocol's dataset overrides FROM
    q.from = r.default_graphs;
    q.from_named = r.named_graphs;
  }
  if (!r.explain.empty()) return answer_explain(service, res, r, q, start);
  const bool graph = q.form == query::Query::Form::Construct || q.form == query::Query::Form::Describe;
  const auto format = negotiate(req.get_header_value("Accept"), r.format, graph);
  if (!format) {
    answer_error(res, 406,
                 std::string("none of the formats asked for can hold ") + (graph ? "a graph" : "solutions") +
                     ": ask for " +
                     (graph ? "application/n-triples, text/turtle or application/rdf+xml"
                            : "application/sparql-results+json, application/sparql-results+xml, text/csv or "
                              "text/tab-separated-values"));
    return;
  }
  query::QueryOptions options = query_options(r, service.options);
  answer_streamed(service, res,
                  {.listed_as = *r.query,
                   .deadline = start + options.timeout,
                   .content_type = std::string(query::media_type(*format)) + "; charset=utf-8",
                   .produce = [&database = service.database, q, options, format = *format, start](
                                  std::FILE* out, Cancellation& stop) mutable {
                     options.cancellation = &stop;
                     auto writer = query::make_result_writer(format, out);
                     database.execute(q, options, *writer, start);
                   }});
}

void answer_update(Service& service, const httplib::Request& req, httplib::Response& res,
                   const ProtocolRequest& r) {
  if (service.options.read_only)
    return answer_error(res, 403, "the server is read-only: updates are refused");
  if (from_other_origin(req))
    return answer_error(res, 403, "a page of another origin may not update the store");
  if (r.update->size() > service.options.max_query_bytes)
    return answer_error(res, 413,
                        "the update is longer than the server's limit of " +
                            std::to_string(service.options.max_query_bytes) + " bytes");
  query::UpdateOptions options;
  options.timeout = timeout_of(r, service.options);
  options.data_root = service.options.data_root;
  options.memory_limit = service.options.memory_limit;
  options.using_graphs = r.using_graphs;
  options.using_named_graphs = r.using_named_graphs;
  // Listed and cancellable by id like a query (also by the grace period of a stop).
  auto stop = std::make_shared<Cancellation>();
  const QueryRegistry::Handle listed = service.queries.add(*r.update, stop);
  options.cancellation = stop.get();
  const query::UpdateReport report = service.database.update(*r.update, options);  // errors: answer_of()
  res.set_content(
      std::to_string(report.inserted) + " inserted, " + std::to_string(report.deleted) + " deleted\n",
      "text/plain; charset=utf-8");
}

// GET /sparql without a query: the service description (SPARQL 1.1 Service Description), in Turtle.
void describe_service(const httplib::Request& req, httplib::Response& res) {
  const std::string host = host_of(req).value_or("localhost");  // it goes inside an IRI
  res.set_content(
      "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
      "@prefix formats: <http://www.w3.org/ns/formats/> .\n"
      "[] a sd:Service ;\n"
      "  sd:endpoint <http://" +
          host +
          "/sparql> ;\n"
          "  sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ;\n"
          "  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,\n"
          "    formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:N-Triples,\n"
          "    formats:Turtle, formats:RDF_XML .\n",
      "text/turtle; charset=utf-8");
}

void handle(Service& service, const httplib::Request& req, httplib::Response& res) {
  const auto r = read_request(req, res);
  if (!r) return;
  if (r->update && !service.tokens.admit(req, res, Role::Write)) return;
  if (r->query) return answer_query(service, req, res, *r);
  if (r->update) return answer_update(service, req, res, *r);
  if (req.method == "GET") return describe_service(req, res);
  answer_error(res, 400, "the request has neither a query nor an update");
}

}  // namespace

void add_sparql_route(httplib::Server& http, Service& service) {
  serve_get_and_post(http, "/sparql", service, handle);
}

}  // namespace quiver::server
