// The `quiver` subcommands and the option handling they share.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace quiver::cli {

namespace po = boost::program_options;

// Exit codes: 0 success, 1 the operation failed, 2 the command line is wrong.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `args` (the words after the subcommand) against `options`; positional words go to `positional_name`
// when given. Returns false when --help was asked for (the help is printed).
bool parse_command_line(const std::vector<std::string>& args, const std::string& usage,
                        const std::string& summary, po::options_description& options, po::variables_map& vm,
                        const char* positional_name = nullptr);

int load_command(const std::vector<std::string>& args);
int stats_command(const std::vector<std::string>& args);
int dump_command(const std::vector<std::string>& args);
int query_command(const std::vector<std::string>& args);
int update_command(const std::vector<std::string>& args);

// The request text of `quiver query` / `quiver update`: given inline, or read from `file` ('-': standard
// input). Exactly one of the two must be given.
std::string request_text(const std::string& file, const std::string& text);

}  // namespace quiver::cli
