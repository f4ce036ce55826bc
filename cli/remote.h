// The CLI's way to a store a `quiver serve` holds: the server leaves its address in the store's folder
// (ServedStore), and `quiver update` and `quiver load` send their work through its HTTP API.
#pragma once

#include <boost/program_options/variables_map.hpp>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "parser/rdf_format.h"

namespace quiver::cli {

// While alive, the store's folder names the server that holds it (serve.url).
class ServedStore {
 public:
  ServedStore(const std::filesystem::path& db, const std::string& url);
  ~ServedStore();
  ServedStore(const ServedStore&) = delete;
  ServedStore& operator=(const ServedStore&) = delete;

 private:
  std::filesystem::path file_;
};

// The address of the server holding the store in `db`, when one is running and answers.
std::optional<std::string> serving_url(const std::filesystem::path& db);

// Throws UsageError when one of the options `names` was given on the command line: they set what a
// command does to a store it opens itself, and the server at `url` applies its own settings.
void refuse_server_side_options(const boost::program_options::variables_map& vm,
                                std::initializer_list<const char*> names, const std::string& url);

// An update through the server's /sparql, with its time limit (the server's own caps it) and base IRI;
// prints its answer. Throws std::runtime_error with the server's message when refused. The token comes
// from QUIVER_TOKEN.
void remote_update(const std::string& url, const std::string& text, std::chrono::milliseconds timeout,
                   const std::optional<std::string>& base);
// Each file POSTed to the server's /store (the default graph, or `graph`): one atomic change per file.
void remote_load(const std::string& url, const std::vector<std::filesystem::path>& files,
                 const std::string& graph, std::optional<RdfFormat> format);

}  // namespace quiver::cli
