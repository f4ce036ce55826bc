#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/command.h"
#include "cli/remote.h"
#include "engine/database.h"

namespace quiver::cli {
namespace {

// The most memory the process held at once (Linux: the high-water mark of its resident set).
size_t peak_memory_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) / 1024;  // in kB
  return 0;
}

}  // namespace

int update_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, file, text, data_root;
  double timeout = 1800;
  size_t memory_mib = 2048, cache_mib = StoreOptions().block_cache_mib;
  options.add_options()("db", po::value(&db)->required(), "store directory")(
      "file,f", po::value(&file), "read the update from this file ('-' for standard input)")(
      "timeout", in_range(&timeout, 0.001, 1e6, "timeout"),
      "seconds before the update is stopped (and undone)")(
      "memory-limit", in_range<size_t>(&memory_mib, 1, size_t{1} << 24, "memory-limit"),
      "MiB the request may hold in memory (query working memory, changes later operations read);\n"
      "the last operation's changes spill to disk past a quarter of it")(
      "cache", in_range<size_t>(&cache_mib, 0, size_t{1} << 24, "cache"),
      "MiB of the store's blocks kept in memory for reading")(
      "no-sync", "acknowledge before the write-ahead log is on disk (faster; a crash may lose the update)")(
      "data-root", po::value(&data_root),
      "folder LOAD may read file: IRIs from (LOAD is refused without it)")(
      "base", po::value<std::string>(), "base IRI for relative IRIs in the request")(
      "update", po::value(&text), "the update text (or use --file)")(
      "url", po::value<std::string>(),
      "send the update to the quiver serve at this address (http://HOST:PORT; token from QUIVER_TOKEN);\n"
      "without it, a server holding the store is found from the store's folder");
  po::variables_map vm;
  if (!parse_command_line(
          args, "quiver update --db DIR (--file U.ru | 'UPDATE')",
          "Applies a SPARQL 1.1 Update request: INSERT/DELETE DATA, DELETE WHERE, DELETE/INSERT ... WHERE\n"
          "(with WITH, USING, USING NAMED), LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY. All operations of\n"
          "the request (separated by ';') commit together or not at all; readers are never blocked.",
          options, vm, "update"))
    return kOk;
  text = request_text(file, text);

  // A store held by a running server is updated through it.
  if (const auto url = vm.count("url") ? vm["url"].as<std::string>() : serving_url(db)) {
    refuse_server_side_options(vm, {"memory-limit", "cache", "no-sync", "data-root"}, *url);
    remote_update(*url, text, std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)),
                  vm.count("base") ? std::optional(vm["base"].as<std::string>()) : std::nullopt);
    return kOk;
  }
  DatabaseOptions database_options;  // a new path gets an empty store: INSERT DATA can start one
  database_options.store.block_cache_mib = cache_mib;
  auto database = Database::open(db, database_options);
  if (database->created()) std::fprintf(stderr, "created an empty store at %s\n", db.c_str());
  query::UpdateOptions u;
  u.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  u.memory_limit = memory_mib << 20;
  u.sync = vm.count("no-sync") == 0;
  u.data_root = data_root;
  if (vm.count("base")) u.base_iri = vm["base"].as<std::string>();
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  // Progress on standard error once a request has run for two seconds, at most once a second.
  u.progress = [&](const std::string& phase, uint64_t count) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start < std::chrono::seconds(2) || now - last < std::chrono::seconds(1)) return;
    last = now;
    const double seconds = std::chrono::duration<double>(now - start).count();
    if (count)
      std::fprintf(stderr, "%6.1f s  %s: %llu\n", seconds, phase.c_str(),
                   static_cast<unsigned long long>(count));
    else
      std::fprintf(stderr, "%6.1f s  %s\n", seconds, phase.c_str());
  };
  const query::UpdateReport report = database->update(text, u);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  for (const auto& g : report.graphs)
    std::printf("%-40s +%llu -%llu\n", g.graph.empty() ? "default graph" : ("<" + g.graph + ">").c_str(),
                static_cast<unsigned long long>(g.inserted), static_cast<unsigned long long>(g.deleted));
  std::printf("%zu operation%s: %llu triples inserted, %llu deleted in %.1f ms, peak memory %zu MiB\n",
              report.operations, report.operations == 1 ? "" : "s",
              static_cast<unsigned long long>(report.inserted),
              static_cast<unsigned long long>(report.deleted), took.count(), peak_memory_mib());
  return kOk;
}

}  // namespace quiver::cli
