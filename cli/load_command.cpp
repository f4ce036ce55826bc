#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "cli/remote.h"
#include "engine/database.h"

namespace quiver::cli {
namespace {

std::string human(double n) {
  char buf[32];
  if (n >= 1e9)
    std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

const char* phase_text(LoadProgress::Phase phase) {
  switch (phase) {
    case LoadProgress::Phase::Parsing:
      return "parsing";
    case LoadProgress::Phase::Indexing:
      return "sorting and writing the indexes";
    case LoadProgress::Phase::Ingesting:
      return "ingesting";
    case LoadProgress::Phase::TextIndexing:
      return "indexing text";
  }
  return "";
}

// A bar on a terminal, a log line every five seconds otherwise.
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}
  ~ProgressDisplay() { clear(); }
  void clear() {
    if (tty_ && drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

  void operator()(const LoadProgress& p) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? p.triples / elapsed : 0;
    if (p.phase == LoadProgress::Phase::TextIndexing) {
      line_ = std::string("  ") + human(p.triples) + " triples loaded; indexing text: " + human(p.subjects) +
              " subjects...";
    } else if (p.phase != LoadProgress::Phase::Parsing) {
      line_ = std::string("  ") + human(p.triples) + " triples parsed; " + phase_text(p.phase) + "...";
    } else {
      const double frac = p.bytes_total ? std::min(1.0, double(p.bytes_done) / p.bytes_total) : 0;
      const int eta = frac > 0.01 ? static_cast<int>(elapsed / frac - elapsed) : -1;
      char buf[256];
      std::snprintf(buf, sizeof buf, "%3.0f%%  %s triples  %s/s  ETA %s  %s", frac * 100,
                    human(p.triples).c_str(), human(rate).c_str(),
                    eta < 0 ? "?" : (std::to_string(eta / 60) + "m" + std::to_string(eta % 60) + "s").c_str(),
                    p.file.c_str());
      std::string bar(24, ' ');
      for (int i = 0; i < static_cast<int>(frac * 24); ++i) bar[i] = '=';
      line_ = "[" + bar + "] " + buf;
    }
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line_.c_str());
      drawn_ = true;
    } else if (elapsed - last_log_ >= 5) {
      last_log_ = elapsed;
      spdlog::info("load: {}", line_);
    }
  }

 private:
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  double last_log_ = 0;
  std::string line_;
};

}  // namespace

int load_command(const std::vector<std::string>& args) {
  po::options_description options("Options");
  std::string db, format, on_error;
  LoadOptions opts;
  std::vector<std::string> inputs;
  std::string rejects;
  options.add_options()("db", po::value(&db)->required(), "store directory (created if missing)")(
      "graph", po::value(&opts.graph_iri),
      "load triples into this named graph, or 'default' (quads keep their own graph)")(
      "format", po::value(&format),
      "ntriples|nquads|turtle|trig|rdfxml (default: from each file's extension)")(
      "base", po::value(&opts.base_iri), "base IRI for relative IRIs (default: the file's file:// IRI)")(
      "on-error", po::value(&on_error)->default_value("abort"),
      "abort: load nothing if any statement is bad (every file is still checked, so the error names the "
      "first bad line of each failing file); skip: load every good statement and list each bad line in "
      "the rejects report (Turtle, TriG and RDF/XML cannot resume after an error: the rest of such a file "
      "is reported as not loaded)")("rejects", po::value(&rejects)->default_value("quiver-rejects.txt"),
                                    "report file for --on-error=skip")(
      "threads", in_range(&opts.threads, 0u, 1024u, "threads"), "parser threads (0: all cores)")(
      "memory", in_range<size_t>(&opts.memory_mib, 64, size_t{1} << 24, "memory"),
      "sort memory budget in MiB; beyond it, runs spill to disk")("quiet,q", "no progress display")(
      "verbose,v", "print the time of each phase")("input", po::value(&inputs), "files or directories")(
      "url", po::value<std::string>(),
      "send each file to the quiver serve at this address (http://HOST:PORT; token from QUIVER_TOKEN), one\n"
      "atomic change per file; without it, a server holding the store is found from the store's folder");
  po::variables_map vm;
  if (!parse_command_line(
          args, "quiver load --db DIR [options] FILE|DIR...",
          "Loads RDF files into the store in one atomic step: if anything fails, the store is left\n"
          "exactly as it was. Directories are walked for RDF files; .gz files are decompressed.\n"
          "Loading data already present adds nothing. Blank nodes are scoped to the file they\n"
          "appear in, so loading a file with blank nodes twice adds fresh copies of them.",
          options, vm, "input"))
    return kOk;
  if (inputs.empty()) throw UsageError("no input files given");
  if (!format.empty()) {
    opts.format = format_from_name(format);
    if (!opts.format) throw UsageError("unknown --format '" + format + "'");
  }
  if (on_error == "skip")
    opts.on_error = OnError::Skip;
  else if (on_error != "abort")
    throw UsageError("--on-error must be abort or skip");
  opts.rejects_path = rejects;
  for (auto& i : inputs) opts.inputs.emplace_back(i);

  if (opts.graph_iri == "default") opts.graph_iri.clear();  // as dump --graph names it

  // A store held by a running server is loaded through it.
  if (const auto url = vm.count("url") ? vm["url"].as<std::string>() : serving_url(db)) {
    // Through the Graph Store Protocol: each file is parsed whole by the server, which takes no base IRI
    // (the file's own @base or BASE still counts) and no skipping of bad statements.
    refuse_server_side_options(vm, {"base", "on-error", "rejects", "memory", "threads"}, *url);
    remote_load(*url, expand_inputs(opts), opts.graph_iri, opts.format);
    return kOk;
  }
  const bool new_path = !std::filesystem::exists(db);
  auto database = Database::open(db);
  ProgressDisplay display;
  ProgressCallback progress;
  if (!vm.count("quiet")) progress = [&](const LoadProgress& p) { display(p); };
  LoadReport r;
  try {
    r = database->load(opts, progress);
  } catch (...) {
    // A load that failed into a new path leaves no empty store behind (one that committed data, whose
    // rejects report could not be written, stays).
    const bool empty = database->empty();
    database.reset();
    std::error_code ec;
    if (new_path && empty) std::filesystem::remove_all(db, ec);
    throw;
  }
  display.clear();
  for (const auto& file : r.files_without_statements)
    std::fprintf(stderr, "note: %s holds no statements\n", file.c_str());
  // The statements read add up: each one was added, already there, or rejected.
  std::printf(
      "loaded %lu file%s in %.2f s: %lu statements read = %lu added + %lu duplicates + %lu rejected (%s "
      "triples/s)\n",
      static_cast<unsigned long>(r.files), r.files == 1 ? "" : "s", r.seconds,
      static_cast<unsigned long>(r.triples_read + r.rejected), static_cast<unsigned long>(r.triples_added),
      static_cast<unsigned long>(r.duplicates), static_cast<unsigned long>(r.rejected),
      human(r.seconds > 0 ? r.triples_read / r.seconds : 0).c_str());
  if (r.text_index_seconds >= 1)
    std::printf("full-text index brought up to date in %.2f s\n", r.text_index_seconds);
  if (vm.count("verbose"))
    for (auto& [phase, seconds] : r.phases) std::printf("  %-24s %8.2f s\n", phase.c_str(), seconds);
  if (r.rejected) std::printf("rejected lines are listed in %s\n", r.rejects_path.c_str());
  return kOk;
}

}  // namespace quiver::cli
