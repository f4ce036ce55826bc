// `quiver update` and `quiver load` through a running `quiver serve` (--url, or the address a server of the
// store left in its folder): the server holds the store's lock, so the work goes through its HTTP API.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cli/remote.h"

#include "cli/command.h"
#include "engine/database.h"

namespace quiver::cli {
namespace {

constexpr const char* kUrlFile = "serve.url";

// A client for `url` ("http://host:port"), with the token of QUIVER_TOKEN when set.
httplib::Client client_for(const std::string& url) {
  httplib::Client client(url);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::hours(24));  // an update or a body may take long; the server limits it
  client.set_write_timeout(std::chrono::hours(24));
  if (const char* token = std::getenv("QUIVER_TOKEN")) client.set_bearer_token_auth(token);
  return client;
}

// The answer's text for the user, or an exception naming the server's error.
std::string answered(const httplib::Result& result, const std::string& url, const std::string& what) {
  if (!result)
    throw std::runtime_error("cannot reach the server at " + url + " (" + httplib::to_string(result.error()) +
                             ")");
  if (result->status / 100 != 2)
    throw std::runtime_error(what + " was refused by the server at " + url + " (" +
                             std::to_string(result->status) + "): " + result->body);
  return result->body;
}

}  // namespace

ServedStore::ServedStore(const std::filesystem::path& db, const std::string& url) : file_(db / kUrlFile) {
  std::ofstream(file_) << url << " " << getpid() << "\n";
}

ServedStore::~ServedStore() {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
}

std::optional<std::string> serving_url(const std::filesystem::path& db) {
  std::ifstream in(db / kUrlFile);
  std::string url;
  pid_t pid = 0;
  if (!(in >> url >> pid)) return std::nullopt;
  // A server killed without its clean-up leaves the file behind: only a live server process counts (another
  // server may have taken the port since), and only one that answers.
  if (kill(pid, 0) != 0 && errno != EPERM) return std::nullopt;
  httplib::Client probe(url);
  probe.set_connection_timeout(std::chrono::seconds(1));
  if (!probe.Get("/health")) return std::nullopt;
  return url;
}

void refuse_server_side_options(const boost::program_options::variables_map& vm,
                                std::initializer_list<const char*> names, const std::string& url) {
  for (const char* name : names)
    if (vm.count(name) && !vm[name].defaulted())
      throw UsageError(std::string("--") + name +
                       " sets what this command does to a store it opens itself; the store " +
                       "is served at " + url +
                       ", where the server's own settings apply: leave it out, or stop " + "the server");
}

void remote_update(const std::string& url, const std::string& text, std::chrono::milliseconds timeout,
                   const std::optional<std::string>& base) {
  auto client = client_for(url);
  // The protocol has no base parameter: a BASE ahead of the request is the same (its own BASE still wins).
  if (base && base->find_first_of("<>\"{}|^`\\ \t\r\n") != std::string::npos)
    throw UsageError("--base must be an IRI, without spaces or any of <>\"{}|^`\\");
  const std::string request = base ? "BASE <" + *base + ">\n" + text : text;
  const std::string path = "/sparql?timeout=" + std::to_string(timeout.count());
  std::fputs(answered(client.Post(path, request, "application/sparql-update"), url, "the update").c_str(),
             stdout);
}

void remote_load(const std::string& url, const std::vector<std::filesystem::path>& files,
                 const std::string& graph, std::optional<RdfFormat> format) {
  auto client = client_for(url);
  const std::string target =
      "/store?" +
      (graph.empty() ? std::string("default") : "graph=" + httplib::detail::encode_query_param(graph));
  for (const auto& file : files) {
    const auto file_format = format ? format : format_from_path(file);
    if (!file_format) throw std::runtime_error("cannot tell the RDF format of " + file.string());
    httplib::Headers headers;
    if (file.extension() == ".gz") headers.emplace("Content-Encoding", "gzip");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    const size_t size = std::filesystem::file_size(file);
    auto result = client.Post(
        target, headers, size,
        [&in](size_t offset, size_t length, httplib::DataSink& sink) {
          std::vector<char> buffer(std::min<size_t>(length, 1 << 20));
          in.seekg(static_cast<std::streamoff>(offset));
          in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
          return in.gcount() > 0 && sink.write(buffer.data(), static_cast<size_t>(in.gcount()));
        },
        media_type(*file_format));
    std::printf("%s: %s", file.c_str(), answered(result, url, "loading " + file.string()).c_str());
  }
}

}  // namespace quiver::cli
