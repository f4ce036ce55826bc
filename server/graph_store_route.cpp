// /store: the SPARQL 1.1 Graph Store HTTP Protocol. Graphs are named indirectly (/store?default,
// /store?graph=IRI) or directly (a graph whose IRI is a URL under the server's /store/ is read and written
// at that URL). GET and HEAD read a graph in a negotiated syntax (/store alone: the whole dataset as N-Quads
// or TriG); PUT puts the body in place of the graph, POST adds it (POST to /store alone makes a new graph
// and answers its URL), DELETE drops the graph. A body may be in any syntax the loader reads (by
// Content-Type; a gzip Content-Encoding is undone by the HTTP library), or a multipart/form-data of such
// parts; it is written to staging files as it arrives, so a large one never sits in memory; each request
// is one atomic change.
#include <filesystem>
#include <fstream>

#include "server/negotiation.h"
#include "server/service.h"

namespace quiver::server {
namespace {

std::string url_at(std::string_view host, const httplib::Request& req) {
  return "http://" + std::string(host) + req.path;
}

// The URL of the request's path as the client addressed it (by its Host), or nullopt (answered) without
// a usable Host.
std::optional<std::string> url_of(const httplib::Request& req, httplib::Response& res) {
  const auto host = host_of(req);
  if (!host) {
    answer_error(res, 400, "a graph named by its URL needs the request's Host header");
    return std::nullopt;
  }
  return url_at(*host, req);
}

// The graph a request names: "default" or an IRI; empty for the whole dataset (/store without a parameter).
std::optional<std::string> target_of(const httplib::Request& req, httplib::Response& res) {
  const bool default_graph = req.has_param("default"), named = req.has_param("graph");
  if (req.path != "/store") {  // direct identification: the graph is the URL
    if (default_graph || named) {
      answer_error(res, 400, "a graph's own URL takes neither ?default nor ?graph=");
      return std::nullopt;
    }
    return url_of(req, res);
  }
  if (default_graph && named) {
    answer_error(res, 400, "name the default graph (?default) or a named graph (?graph=IRI), not both");
    return std::nullopt;
  }
  if (default_graph) return "default";
  if (!named) return "";
  if (req.get_param_value_count("graph") > 1) {
    answer_error(res, 400, "the parameter 'graph' is given more than once");
    return std::nullopt;
  }
  std::string graph = req.get_param_value("graph");
  if (graph.empty() || graph == "default") {
    answer_error(res, 400, "?graph= takes an absolute IRI; the default graph is ?default");
    return std::nullopt;
  }
  return graph;
}

void read_graph(Service& service, const httplib::Request& req, httplib::Response& res) {
  const auto graph = target_of(req, res);
  if (!graph) return;
  const std::vector<RdfFormat> ours = graph->empty() ? std::vector{RdfFormat::NQuads, RdfFormat::TriG}
                                                     : std::vector{RdfFormat::Turtle, RdfFormat::NTriples,
                                                                   RdfFormat::RdfXml, RdfFormat::NQuads};
  const auto format = negotiate_rdf(req.get_header_value("Accept"), ours);
  if (!format) {
    std::string offered;
    for (RdfFormat f : ours) offered += std::string(offered.empty() ? "" : ", ") + media_type(f);
    return answer_error(res, 406, "none of the syntaxes asked for is one of " + offered);
  }
  if (!graph->empty() && !service.database.graph_exists(*graph))
    return answer_error(res, 404, "the store has no graph <" + *graph + ">");
  const std::string content_type = std::string(media_type(*format)) + "; charset=utf-8";
  if (req.method == "HEAD") {  // the headers GET would send; nothing to write
    res.status = 200;
    res.set_header("Content-Type", content_type);
    return;
  }
  const ExportOptions options{*format, *graph};
  answer_streamed(service, res,
                  {.listed_as = "GET /store" + (graph->empty() ? "" : " " + *graph),
                   .deadline = std::chrono::steady_clock::now() + service.options.timeout,
                   .content_type = content_type,
                   .produce = [&database = service.database, options](std::FILE* out, Cancellation& stop) {
                     database.export_quads(options, out, &stop);
                   }});
}

// An error about a staged body file, told as the client knows it: "request body:LINE:COLUMN: ...".
std::string naming_the_body(std::string message, const std::vector<std::filesystem::path>& bodies) {
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string as = bodies.size() == 1 ? "request body" : "request body part " + std::to_string(i + 1);
    for (const std::string& name : {"<file:" + bodies[i].filename().string() + ">", bodies[i].string()})
      for (size_t at; (at = message.find(name)) != std::string::npos;) message.replace(at, name.size(), as);
  }
  return message;
}

// A folder for a request's body files, made now and removed with everything in it when the request ends.
struct StagingFolder {
  explicit StagingFolder(std::filesystem::path p) : path(std::move(p)) {
    std::error_code ignored;
    std::filesystem::create_directories(path, ignored);
  }
  ~StagingFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const std::filesystem::path path;
};

void refuse_media_type(httplib::Response& res, const std::string& type) {
  answer_error(res, 415,
               "the Content-Type '" + type +
                   "' is not an RDF syntax Quiver reads (text/turtle, application/n-triples, "
                   "application/n-quads, application/trig, application/rdf+xml)");
}

// Writes the body to files in `folder` as it arrives: one, or one per part of a multipart/form-data body
// (each in the syntax of its own Content-Type). At most `limit` bytes once inflated: the HTTP library
// bounds a compressed body as it was sent, and a small gzip body may inflate to fill the disk. Empty
// (answered) when it cannot be stored.
std::vector<std::filesystem::path> store_body(const httplib::Request& req,
                                              const httplib::ContentReader& content,
                                              const std::filesystem::path& folder, size_t limit,
                                              httplib::Response& res) {
  std::vector<std::filesystem::path> files;
  std::ofstream out;
  std::string refused;
  size_t stored = 0;
  bool disk_failed = false;
  auto open = [&](const std::string& type) {
    const auto format = format_from_media_type(type);
    if (!format) {
      refused = type;
      return false;
    }
    if (out.is_open()) out.close();
    files.push_back(folder / ("body" + std::to_string(files.size()) + file_extension(*format)));
    out.open(files.back(), std::ios::binary);
    return static_cast<bool>(out);
  };
  auto write = [&](const char* data, size_t size) {
    stored += size;
    if (stored > limit) return false;
    out.write(data, static_cast<std::streamsize>(size));
    disk_failed = !out;
    return !disk_failed;
  };
  const bool read_whole =
      req.is_multipart_form_data()
          ? content([&](const httplib::MultipartFormData& part) { return open(part.content_type); }, write)
          : open(req.get_header_value("Content-Type")) && content(write);
  if (out.is_open()) out.close();
  disk_failed = disk_failed || out.fail();
  if (!refused.empty()) {
    refuse_media_type(res, refused);
  } else if (stored > limit) {
    answer_error(res, 413,
                 "the request body, inflated, is over the server's limit of " + std::to_string(limit >> 20) +
                     " MiB (--max-body)");
  } else if (disk_failed) {
    answer_error(res, 500, "the request body could not be stored (is the disk full?)");
  } else if (!read_whole || files.empty()) {
    answer_error(res, 400,
                 files.empty() ? "the multipart body has no parts"
                               : "the request body could not be read whole (a malformed multipart body, or a "
                                 "connection that broke)");
  } else {
    return files;
  }
  return {};
}

void write_graph(Service& service, const httplib::Request& req, httplib::Response& res,
                 const httplib::ContentReader& content) {
  if (!service.tokens.admit(req, res, Role::Write)) return;
  if (service.options.read_only) return answer_error(res, 403, "the server is read-only: writes are refused");
  if (from_other_origin(req))
    return answer_error(res, 403, "a page of another origin may not change the store");
  auto graph = target_of(req, res);
  if (!graph) return;
  std::optional<std::string> made;  // a new graph's URL, for a POST to the store itself
  if (graph->empty()) {
    if (req.method != "POST")
      return answer_error(res, 400, "name the graph to write: ?default, or ?graph=IRI");
    const auto store = url_of(req, res);
    if (!store) return;
    graph = made = *store + "/" + new_uuid();
  }
  const bool replace = req.method == "PUT";
  // Before the body is staged: a graph name that cannot be is refused (400) without reading it.
  const bool existed = service.database.graph_exists(*graph);
  const StagingFolder folder(service.database.new_staging_folder());
  const auto bodies = store_body(req, content, folder.path, service.options.max_body_bytes, res);
  if (bodies.empty()) return;
  auto stop = std::make_shared<Cancellation>(std::chrono::steady_clock::now() + service.options.timeout);
  const QueryRegistry::Handle listed = service.queries.add(req.method + " /store " + *graph, stop);
  // Relative IRIs in the body resolve against the graph written, as if the body had been read from it; the
  // default graph has no IRI: the store's URL (this request's, ?default aside) stands for it.
  const std::string base = *graph != "default" ? *graph : url_at(host_of(req).value_or("quiver.local"), req);
  uint64_t added = 0;
  try {
    added = service.database.write_graph(*graph, bodies, replace, base, stop.get());
  } catch (...) {
    const auto [status, message] = answer_of(std::current_exception());
    return answer_error(res, status, naming_the_body(message, bodies));
  }
  res.status = existed ? 200 : 201;
  if (made) res.set_header("Location", *made);
  res.set_content(std::to_string(added) + " statements added\n", "text/plain; charset=utf-8");
}

void delete_graph(Service& service, const httplib::Request& req, httplib::Response& res) {
  if (!service.tokens.admit(req, res, Role::Write)) return;
  if (service.options.read_only) return answer_error(res, 403, "the server is read-only: writes are refused");
  if (from_other_origin(req))
    return answer_error(res, 403, "a page of another origin may not change the store");
  const auto graph = target_of(req, res);
  if (!graph) return;
  if (graph->empty()) return answer_error(res, 400, "name the graph to delete: ?default, or ?graph=IRI");
  if (!service.database.drop_graph(*graph))  // errors thrown: answer_of()
    return answer_error(res, 404, "the store has no graph <" + *graph + ">");
  res.status = 204;
}

}  // namespace

void add_graph_store_route(httplib::Server& http, Service& service) {
  const std::string paths = R"(/store(/.+)?)";  // the store, and graphs named by their own URL
  http.Get(paths, [&service](const httplib::Request& req, httplib::Response& res) {
    read_graph(service, req, res);
  });
  const httplib::Server::HandlerWithContentReader write =
      [&service](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
        write_graph(service, req, res, content);
      };
  http.Put(paths, write);
  http.Post(paths, write);
  http.Delete(paths, [&service](const httplib::Request& req, httplib::Response& res) {
    delete_graph(service, req, res);
  });
}

}  // namespace quiver::server
