// quiver: one binary, one subcommand per job.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "engine/database.h"

namespace quiver::cli {

bool parse_command_line(const std::vector<std::string>& args, const std::string& usage,
                        const std::string& summary, po::options_description& options, po::variables_map& vm,
                        const char* positional_name, bool config_file) {
  options.add_options()("help,h", "show this help");
  if (config_file)
    options.add_options()(
        "config", po::value<std::string>(),
        "file of settings, one 'NAME = VALUE' line per option above ('#' starts a comment);\n"
        "the command line wins over it");
  po::positional_options_description positional;
  if (positional_name) positional.add(positional_name, -1);
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: " << usage << "\n\n" << summary << "\n\n" << options << "\n";
      return false;
    }
    if (vm.count("config")) {
      const std::string file = vm["config"].as<std::string>();
      std::ifstream in(file);
      if (!in) throw UsageError("cannot read the config file " + file);
      try {
        po::store(po::parse_config_file(in, options), vm);  // what the command line gave stays
      } catch (const po::error& e) {
        throw UsageError(file + ": " + e.what());
      }
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");
  }
  return true;
}

namespace {

struct Command {
  int (*run)(const std::vector<std::string>&);
  const char* summary;
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"init", {init_command, "create an empty store"}},
      {"load",
       {load_command, "bulk-load RDF files (N-Triples, N-Quads, Turtle, TriG, RDF/XML, .gz) atomically"}},
      {"query", {query_command, "run a SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE)"}},
      {"update", {update_command, "apply a SPARQL 1.1 Update request atomically"}},
      {"serve", {serve_command, "serve the store over HTTP: the SPARQL 1.1 Protocol at /sparql"}},
      {"stats", {stats_command, "show totals, graphs and the top predicates of a store"}},
      {"dump", {dump_command, "write the store (or one graph) as N-Quads, N-Triples, Turtle or RDF/XML"}},
      {"fts", {fts_command, "search the full-text index, show its status, or rebuild it"}},
  };
  return table;
}

void print_version() {
  std::cout << "quiver " << QUIVER_VERSION << " (store format " << store_format_version() << ")\n";
}

void print_usage(std::ostream& out) {
  out << "Quiver: an RDF knowledge-graph store.\n\nUsage: quiver <command> [options]\n\nCommands:\n";
  for (const auto& [name, cmd] : commands())
    out << "  " << name << std::string(8 - name.size(), ' ') << cmd.summary << "\n";
  out << "\nRun 'quiver <command> --help' for the options of a command, 'quiver --version' for the "
         "version.\n";
}

}  // namespace
}  // namespace quiver::cli

int main(int argc, char** argv) {
  using namespace quiver::cli;
  spdlog::set_default_logger(spdlog::stderr_color_st("quiver"));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S %^%l%$ %v");
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_usage(std::cout);
    return argc < 2 ? kUsage : kOk;
  }
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version")) {
    print_version();
    return kOk;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::cerr << "quiver: unknown command '" << argv[1] << "'\n\n";
    print_usage(std::cerr);
    return kUsage;
  }
  try {
    return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const UsageError& e) {
    std::cerr << "quiver " << argv[1] << ": " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "quiver " << argv[1] << ": error: " << e.what() << "\n";
    return kFailed;
  }
}
