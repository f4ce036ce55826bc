// The data generators' command line, and where they write: a file, or standard output, through a large
// buffer, with the final flush checked so that a full disk is an error and not a short file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace quiver::bench {

// `path` opened for writing (standard output when null); null, with the reason printed, when it cannot be.
inline std::FILE* open_output(const char* path) {
  std::FILE* out = path ? std::fopen(path, "wb") : stdout;
  if (!out) {
    std::perror(path);
    return nullptr;
  }
  static char buffer[1 << 20];
  std::setvbuf(out, buffer, _IOFBF, sizeof buffer);
  return out;
}

// Flushes and closes what open_output() gave; false, with the reason printed, when not all was written.
inline bool close_output(std::FILE* out, const char* path, const char* program) {
  if (std::fflush(out) != 0 || (path && std::fclose(out) != 0)) {
    std::fprintf(stderr, "%s: ", program);
    std::perror("write failed");
    return false;
  }
  return true;
}

// What every generator is asked: --triples N (required), --seed S, --out FILE; the clinical generator also
// takes --part K and --quads.
struct GeneratorOptions {
  uint64_t triples = 0, seed = 42, part = 0;
  bool quads = false;
  const char* out_path = nullptr;
};

// Reads the command line into `options`; the exit status to leave with when the generator should not run
// (--help, or a usage error, after printing `usage`).
inline std::optional<int> parse_generator_options(int argc, char** argv, const char* usage, bool with_parts,
                                                  GeneratorOptions& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--triples" && has_value) {
      options.triples = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--seed" && has_value) {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--out" && has_value) {
      options.out_path = argv[++i];
    } else if (with_parts && a == "--part" && has_value) {
      options.part = std::strtoull(argv[++i], nullptr, 10);
    } else if (with_parts && a == "--quads") {
      options.quads = true;
    } else {
      std::fputs(usage, stderr);
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (options.triples > 0) return std::nullopt;
  std::fputs(usage, stderr);
  return 2;
}

// Runs `generate(out)` on the output the options name; the process's exit status.
template <class Generate>
int generate_to_output(const GeneratorOptions& options, const char* program, Generate generate) {
  std::FILE* out = open_output(options.out_path);
  if (!out) return 1;
  generate(out);
  return close_output(out, options.out_path, program) ? 0 : 1;
}

}  // namespace quiver::bench
