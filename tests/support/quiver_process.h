// Test support: running the quiver binary ($QUIVER_BIN, set by CTest) and capturing what it prints.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace quiver::testing {

struct CommandResult {
  int code;            // exit status; -1 when the process did not exit normally
  std::string output;  // stdout and stderr together
};

inline CommandResult run_quiver(const std::string& args) {
  const char* bin = std::getenv("QUIVER_BIN");
  if (!bin) return {-1, "QUIVER_BIN is not set"};
  FILE* p = popen((std::string(bin) + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace quiver::testing
