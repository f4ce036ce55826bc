// The `quiver` subcommands and the option handling they share.
#pragma once

#include <boost/program_options.hpp>
#include <charconv>
#include <sstream>
#include <string>
#include <type_traits>
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
// when given. With `config_file`, --config FILE reads the same options from a file, under the command
// line's. Returns false when --help was asked for (the help is printed).
bool parse_command_line(const std::vector<std::string>& args, const std::string& usage,
                        const std::string& summary, po::options_description& options, po::variables_map& vm,
                        const char* positional_name = nullptr, bool config_file = false);

// A numeric option whose value must lie in [min, max], written to `target` (which holds the default). The
// text is read strictly: "-1" for a count is refused with the option's range rather than wrapping around to
// a huge unsigned value, and so is "12abc".
template <class T>
po::typed_value<std::string>* in_range(T* target, T min, T max, const std::string& name) {
  std::ostringstream shown;
  shown << *target;
  return po::value<std::string>()->default_value(shown.str())->notifier([=](const std::string& text) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !(value >= min && value <= max)) {
      std::ostringstream message;
      message << "--" << name << " must be " << (std::is_integral_v<T> ? "a whole number " : "a number ")
              << "from " << min << " to " << max << ", got '" << text << "'";
      throw UsageError(message.str());
    }
    *target = value;
  });
}

int init_command(const std::vector<std::string>& args);
int load_command(const std::vector<std::string>& args);
int stats_command(const std::vector<std::string>& args);
int dump_command(const std::vector<std::string>& args);
int query_command(const std::vector<std::string>& args);
int update_command(const std::vector<std::string>& args);
int serve_command(const std::vector<std::string>& args);
int fts_command(const std::vector<std::string>& args);

// The request text of `quiver query` / `quiver update`: given inline, or read from `file` ('-': standard
// input). Exactly one of the two must be given.
std::string request_text(const std::string& file, const std::string& text);

}  // namespace quiver::cli
