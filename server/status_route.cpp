// /sparql/status: the running queries, and cancelling one, in the shape of Neptune's SPARQL query status
// API (GET lists; cmd=cancelQuery&queryId=ID, by POST, cancels).
#include <chrono>
#include <string>

#include "query/query.h"
#include "server/service.h"

namespace quiver::server {
namespace {

void list(Service& service, httplib::Response& res) {
  const auto now = std::chrono::steady_clock::now();
  const auto running = service.queries.running();
  std::string json = "{\"acceptedQueryCount\":" + std::to_string(service.queries.accepted()) +
                     ",\"runningQueryCount\":" + std::to_string(running.size()) + ",\"queries\":[";
  for (size_t i = 0; i < running.size(); ++i) {
    const auto& q = running[i];
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - q.accepted).count();
    json += std::string(i ? "," : "") + "{\"queryId\":\"" + q.id + "\",\"queryString\":\"" +
            query::json_escape(q.text) + "\",\"queryEvalStats\":{\"elapsed\":" + std::to_string(elapsed) +
            ",\"cancelled\":" + (q.stop->reason() == StopReason::Cancelled ? "true" : "false") + "}}";
  }
  res.set_content(json + "]}\n", "application/json");
}

void handle(Service& service, const httplib::Request& req, httplib::Response& res) {
  const httplib::Params params = request_params(req, req.method == "POST");
  auto value = [&](const char* name) {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  };
  // The list shows everyone's query and update texts: for admins, like the cancel.
  if (!service.tokens.admit(req, res, Role::Admin)) return;
  const std::string cmd = value("cmd");
  if (cmd.empty()) return list(service, res);
  if (req.method != "POST") return answer_error(res, 405, "a command is sent by POST");
  if (from_other_origin(req))
    return answer_error(res, 403, "a page of another origin may not cancel queries");
  if (cmd != "cancelQuery")
    return answer_error(res, 400, "unknown cmd '" + cmd + "': the one known is cancelQuery");
  const std::string id = value("queryId");
  if (id.empty()) return answer_error(res, 400, "cancelQuery needs a queryId");
  if (!service.queries.cancel(id)) return answer_error(res, 404, "no running query has the id " + id);
  res.set_content("{\"status\":\"200 OK\"}\n", "application/json");
}

}  // namespace

void add_status_route(httplib::Server& http, Service& service) {
  serve_get_and_post(http, "/sparql/status", service, handle);
}

}  // namespace quiver::server
