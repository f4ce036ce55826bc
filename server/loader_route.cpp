// /loader: bulk loads as Amazon Neptune's loader API takes them, so that a Neptune user's load script works
// with only the host changed. POST /loader starts a job (JSON or form body: source, format, failOnError,
// mode, parallelism, queueRequest, dependencies, parserConfiguration); GET /loader lists jobs; GET
// /loader/ID tells one's status (details, errors, page, errorsPerPage); DELETE /loader/ID cancels one.
// Sources are files or folders under --data-root: a path, a file: IRI, or an s3://bucket/key URI, read as
// the folder bucket/key under the data root.
#include <nlohmann/json.hpp>

#include "server/load_jobs.h"
#include "server/service.h"

namespace quiver::server {
namespace {

using nlohmann::json;

void answer_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

// Neptune's error shape.
void answer_refusal(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  answer_json(res, status, {{"code", code}, {"detailedMessage", message}});
}

class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The request's parameters: a JSON object, or form fields (curl -d source=...).
json request_body(const httplib::Request& req) {
  if (req.get_header_value("Content-Type").starts_with("application/json")) {
    try {
      json body = json::parse(req.body);
      if (!body.is_object()) throw BadRequest("the request body is not a JSON object");
      return body;
    } catch (const json::parse_error& e) {
      throw BadRequest(std::string("the request body is not valid JSON: ") + e.what());
    }
  }
  json body = json::object();
  for (const auto& [name, value] : request_params(req, true)) body[name] = value;
  return body;
}

std::string text_of(const json& body, const char* name, const std::string& otherwise = "") {
  if (!body.contains(name)) return otherwise;
  const json& v = body.at(name);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "TRUE" : "FALSE";
  throw BadRequest(std::string("'") + name + "' must be a string");
}

bool flag(const json& body, const char* name, bool otherwise) {
  std::string v = text_of(body, name, otherwise ? "TRUE" : "FALSE");
  for (char& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (v != "TRUE" && v != "FALSE") throw BadRequest(std::string("'") + name + "' is TRUE or FALSE, not " + v);
  return v == "TRUE";
}

// The files a source names under the data root (no escape from it, by .. or a symbolic link).
std::vector<std::filesystem::path> source_files(const std::string& source,
                                                const std::filesystem::path& root) {
  if (root.empty()) throw BadRequest("the loader is disabled: the server was started without --data-root");
  std::string relative = source;
  if (relative.starts_with("s3://"))
    relative = relative.substr(5);
  else if (relative.starts_with("file://"))
    relative = relative.substr(7);
  else if (relative.starts_with("file:"))
    relative = relative.substr(5);
  else if (relative.find("://") != std::string::npos)
    throw BadRequest("the source is a path under the data root, a file: IRI or an s3:// URI, not " + source);
  const std::filesystem::path canonical_root = std::filesystem::weakly_canonical(root);
  std::filesystem::path path = std::filesystem::path(relative).is_absolute() ? std::filesystem::path(relative)
                                                                             : canonical_root / relative;
  path = std::filesystem::weakly_canonical(path);
  auto [r, p] = std::mismatch(canonical_root.begin(), canonical_root.end(), path.begin(), path.end());
  if (r != canonical_root.end()) throw BadRequest("the source " + source + " is not under the data root");
  if (!std::filesystem::exists(path)) throw BadRequest("the source " + source + " does not exist");
  return {path};
}

unsigned threads_for(const std::string& parallelism) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (parallelism == "LOW") return 1;
  if (parallelism == "MEDIUM") return std::max(1u, cores / 2);
  if (parallelism == "HIGH" || parallelism == "OVERSUBSCRIBE") return cores;
  throw BadRequest("parallelism is LOW, MEDIUM, HIGH or OVERSUBSCRIBE, not " + parallelism);
}

LoadRequest load_request(const json& body, const std::filesystem::path& root) {
  LoadRequest r;
  r.source = text_of(body, "source");
  if (r.source.empty()) throw BadRequest("'source' is required: a file or folder under the data root");
  r.inputs = source_files(r.source, root);
  const std::string format = text_of(body, "format");
  if (format.empty()) throw BadRequest("'format' is required: ntriples, nquads, turtle, trig or rdfxml");
  r.format = format_from_name(format);
  if (!r.format)
    throw BadRequest("Quiver loads RDF: ntriples, nquads, turtle, trig or rdfxml, not " + format);
  r.fail_on_error = flag(body, "failOnError", true);
  r.threads = threads_for(text_of(body, "parallelism", "HIGH"));
  if (body.contains("parserConfiguration")) {
    const json& config = body.at("parserConfiguration");
    if (!config.is_object()) throw BadRequest("'parserConfiguration' must be an object");
    r.named_graph = text_of(config, "namedGraphUri");
    r.base_iri = text_of(config, "baseUri");
  }
  if (body.contains("dependencies")) {
    const json& deps = body.at("dependencies");
    if (!deps.is_array()) throw BadRequest("'dependencies' must be a list of load ids");
    for (const json& d : deps) {
      if (!d.is_string()) throw BadRequest("'dependencies' must be a list of load ids");
      r.dependencies.push_back(d.get<std::string>());
    }
  }
  return r;
}

void start_load(Service& service, LoadJobs& jobs, const httplib::Request& req, httplib::Response& res) {
  if (!service.tokens.admit(req, res, Role::Admin)) return;
  if (service.options.read_only)
    return answer_refusal(res, 403, "ReadOnlyViolationException",
                          "the server is read-only: loads are refused");
  if (from_other_origin(req))
    return answer_refusal(res, 403, "AccessDeniedException", "a page of another origin may not load data");
  try {
    const json body = request_body(req);
    LoadRequest request = load_request(body, service.options.data_root);
    for (const std::string& d : request.dependencies)
      if (!jobs.find(d)) throw BadRequest("the dependency " + d + " is not a known load id");
    std::string mode = text_of(body, "mode", "AUTO");
    if (mode != "NEW" && mode != "RESUME" && mode != "AUTO")
      throw BadRequest("mode is NEW, RESUME or AUTO, not " + mode);
    // Loads are atomic: a source completed before has nothing left to resume, and a failed one starts over.
    const auto previous = jobs.completed_source(request.source);
    if (mode != "NEW" && previous)
      return answer_json(res, 200, {{"status", "200 OK"}, {"payload", {{"loadId", *previous}}}});
    if (!flag(body, "queueRequest", false) && jobs.busy())
      throw BadRequest("a load is running or queued, and queueRequest is FALSE");
    const std::string id = jobs.submit(std::move(request));
    answer_json(res, 200, {{"status", "200 OK"}, {"payload", {{"loadId", id}}}});
  } catch (const BadRequest& e) {
    answer_refusal(res, 400, "BadRequestException", e.what());
  }
}

size_t number_param(const httplib::Request& req, const char* name, size_t otherwise) {
  if (!req.has_param(name)) return otherwise;
  const std::string text = req.get_param_value(name);
  char* end = nullptr;
  const unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end || value == 0) throw BadRequest(std::string(name) + " is a whole number above 0");
  return value;
}

bool true_param(const httplib::Request& req, const char* name) {
  return req.has_param(name) && (req.get_param_value(name) == "true" || req.get_param_value(name) == "TRUE");
}

json status_document(const LoadJob& job, const httplib::Request& req) {
  json overall = {{"fullUri", job.request.source},
                  {"runNumber", 1},
                  {"retryNumber", 0},
                  {"status", neptune_name(job.status)},
                  {"totalTimeSpent", static_cast<int64_t>(job.seconds)},
                  {"startTime", job.start_time},
                  {"totalRecords", job.records},
                  {"totalDuplicates", job.duplicates},
                  {"parsingErrors", job.parsing_errors},
                  {"datatypeMismatchErrors", 0},
                  {"insertErrors", 0}};
  json payload = {{"feedCount", json::array({{{neptune_name(job.status), 1}}})}, {"overallStatus", overall}};
  if (true_param(req, "details")) {
    json failed = json::array();
    if (job.status != LoadStatus::Completed && job.status != LoadStatus::InProgress &&
        job.status != LoadStatus::Queued)
      failed.push_back(overall);
    payload["failedFeeds"] = failed;
  }
  if (true_param(req, "errors")) {
    const size_t per_page = number_param(req, "errorsPerPage", 10), page = number_param(req, "page", 1);
    const size_t begin = std::min(job.errors.size(), (page - 1) * per_page),
                 end = std::min(job.errors.size(), begin + per_page);
    json logs = json::array();
    for (size_t i = begin; i < end; ++i) {
      const LoadErrorLog& e = job.errors[i];
      logs.push_back({{"errorCode", e.code},
                      {"errorMessage", e.message},
                      {"fileName", e.file},
                      {"recordNum", e.record}});
    }
    payload["errors"] = {
        {"startIndex", begin + 1}, {"endIndex", end}, {"loadId", job.id}, {"errorLogs", logs}};
  }
  return {{"status", "200 OK"}, {"payload", payload}};
}

void show(LoadJobs& jobs, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const auto job = jobs.find(id);
  if (!job) return answer_refusal(res, 404, "LoadNotFoundException", "no load has the id " + id);
  try {
    answer_json(res, 200, status_document(*job, req));
  } catch (const BadRequest& e) {
    answer_refusal(res, 400, "BadRequestException", e.what());
  }
}

void list(LoadJobs& jobs, const httplib::Request& req, httplib::Response& res) {
  try {
    std::vector<std::string> ids = jobs.ids();
    ids.resize(std::min(ids.size(), number_param(req, "limit", 100)));
    answer_json(res, 200, {{"status", "200 OK"}, {"payload", {{"loadIds", ids}}}});
  } catch (const BadRequest& e) {
    answer_refusal(res, 400, "BadRequestException", e.what());
  }
}

void cancel(Service& service, LoadJobs& jobs, const httplib::Request& req, httplib::Response& res) {
  if (!service.tokens.admit(req, res, Role::Admin)) return;
  if (from_other_origin(req))
    return answer_refusal(res, 403, "AccessDeniedException", "a page of another origin may not cancel loads");
  const std::string id = req.matches[1];
  if (!jobs.find(id)) return answer_refusal(res, 404, "LoadNotFoundException", "no load has the id " + id);
  if (!jobs.cancel(id))
    return answer_refusal(res, 400, "BadRequestException", "the load " + id + " has ended already");
  answer_json(res, 200, {{"status", "200 OK"}});
}

}  // namespace

void add_loader_route(httplib::Server& http, Service& service, LoadJobs& jobs) {
  http.Post("/loader", [&](const httplib::Request& req, httplib::Response& res) {
    start_load(service, jobs, req, res);
  });
  // Jobs show their sources and errors: for admins, who start and cancel them.
  http.Get("/loader", [&](const httplib::Request& req, httplib::Response& res) {
    if (service.tokens.admit(req, res, Role::Admin)) list(jobs, req, res);
  });
  http.Get(R"(/loader/([0-9a-fA-F-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    if (service.tokens.admit(req, res, Role::Admin)) show(jobs, req, res);
  });
  http.Delete(R"(/loader/([0-9a-fA-F-]+))",
              [&](const httplib::Request& req, httplib::Response& res) { cancel(service, jobs, req, res); });
}

}  // namespace quiver::server
