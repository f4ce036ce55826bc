#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "cli/remote.h"
#include "server/server.h"

namespace quiver::cli {

int serve_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, data_root, token_file;
  server::ServerOptions s;
  int port = s.port;
  double timeout = 120, write_wait = 10, grace = 10, read_timeout = 10;
  size_t threads = s.threads, queue = s.queue, memory_mib = s.memory_limit >> 20,
         body_mib = s.max_body_bytes >> 20, cache_mib = StoreOptions().block_cache_mib;
  options.add_options()("db", po::value(&db)->required(), "store directory (created empty if missing)")(
      "bind", po::value(&s.bind)->default_value(s.bind), "address to listen on (0.0.0.0: every interface)")(
      "port", in_range(&port, 0, 65535, "port"), "TCP port (0: any free port, printed)")(
      "threads", in_range<size_t>(&threads, 1, 1024, "threads"), "queries and updates run at once")(
      "queue", in_range<size_t>(&queue, 0, 100000, "queue"),
      "requests waiting for a thread; past that, 503 busy")(
      "timeout", in_range(&timeout, 0.001, 1e6, "timeout"),
      "seconds a query or update may run: the default and the most a request's timeout parameter gets")(
      "memory-limit", in_range<size_t>(&memory_mib, 1, size_t{1} << 24, "memory-limit"),
      "MiB one query may hold for its intermediate results")(
      "max-body", in_range<size_t>(&body_mib, 1, size_t{1} << 20, "max-body"),
      "MiB a request body may have (a compressed one, also once inflated)")(
      "cache", in_range<size_t>(&cache_mib, 0, size_t{1} << 24, "cache"),
      "MiB of the store's blocks kept in memory for reading")(
      "write-wait", in_range(&write_wait, 0.0, 1e6, "write-wait"),
      "seconds an update waits for the one running before it, then is answered busy (503)")(
      "read-timeout", in_range(&read_timeout, 0.001, 3600.0, "read-timeout"),
      "seconds a request's line and headers (and each read of its body) may take to arrive; 408 past "
      "it")("grace", in_range(&grace, 0.0, 1e6, "grace"),
            "seconds the requests in flight have to finish after Ctrl-C or SIGTERM; then their queries are "
            "cancelled")("read-only", po::bool_switch(), "refuse updates (403)")(
      "data-root", po::value(&data_root),
      "folder that LOAD and /loader read files from (both are refused without it)")(
      "auth-token-file", po::value(&token_file),
      "file of 'ROLE TOKEN' lines (roles read, write, admin): every request but /health then needs\n"
      "'Authorization: Bearer TOKEN'; read covers queries, write also updates and graph writes, admin\n"
      "also load jobs and cancelling");
  po::variables_map vm;
  if (!parse_command_line(
          args, "quiver serve --db DIR [--port 7878]",
          "Serves the store over HTTP: the SPARQL 1.1 Protocol at /sparql (queries by GET or POST, updates "
          "by\n"
          "POST; results as JSON, XML, CSV or TSV, graphs as N-Triples, Turtle or RDF/XML, chosen by the\n"
          "Accept header or a format parameter), the Graph Store Protocol at /store (?default or\n"
          "?graph=IRI: GET, PUT, POST, DELETE), bulk-load jobs at /loader (Amazon Neptune's loader API,\n"
          "reading under --data-root), running queries at /sparql/status and /health. Stops cleanly on\n"
          "Ctrl-C or SIGTERM, answering the requests in flight.",
          options, vm, nullptr, true))
    return kOk;
  s.port = port;
  s.threads = threads;
  s.queue = queue;
  s.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  s.memory_limit = memory_mib << 20;
  s.max_body_bytes = body_mib << 20;
  s.grace = std::chrono::milliseconds(static_cast<int64_t>(grace * 1000));
  s.read_timeout = std::chrono::milliseconds(static_cast<int64_t>(read_timeout * 1000));
  s.read_only = vm["read-only"].as<bool>();
  s.data_root = data_root;
  s.auth_token_file = token_file;

  // Signals are taken by a thread of their own (sigwait), so every other thread is spared them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  DatabaseOptions database_options;
  database_options.store.block_cache_mib = cache_mib;
  // A read-only server of an existing store takes no lock: it may run beside a writer.
  if (s.read_only && std::filesystem::exists(std::filesystem::path(db) / "CURRENT"))
    database_options.mode = DatabaseOptions::Mode::ReadOnly;
  database_options.write_wait = std::chrono::milliseconds(static_cast<int64_t>(write_wait * 1000));
  auto database = Database::open(db, database_options);
  if (database->created()) std::fprintf(stderr, "created an empty store at %s\n", db.c_str());
  server::Server server(*database, s);
  const int bound = server.bind();
  std::printf("Quiver SPARQL endpoint at http://%s:%d/sparql\n", s.bind.c_str(), bound);
  // `quiver update` and `quiver load` on this store find the server here (and send their work to it): a
  // server that takes writes, the one that holds the store's lock.
  const std::string local = s.bind == "0.0.0.0" || s.bind == "::" ? "127.0.0.1" : s.bind;
  std::optional<ServedStore> served;
  if (!s.read_only) served.emplace(db, "http://" + local + ":" + std::to_string(bound));
  std::fflush(stdout);
  std::thread watcher([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    std::fprintf(stderr, "stopping: answering the requests in flight\n");
    server.stop();
  });
  server.run();
  // run() also ends when the server fails; the watcher then waits for a signal that will not come.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  return kOk;
}

}  // namespace quiver::cli
