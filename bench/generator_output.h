// Where the data generators write: a file, or standard output, through a large buffer, with the final
// flush checked so that a full disk is an error and not a short file.
#pragma once

#include <cstdio>

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

}  // namespace quiver::bench
