// Test support: running the quiver binary ($QUIVER_BIN, set by CTest) and capturing what it prints.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

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

// Runs quiver with `args` (no shell), capturing what it prints. With `file_size_limit`, as a disk that is
// full past that many bytes would: every write beyond that size fails (EFBIG, the signal ignored) as it fails
// with ENOSPC.
inline CommandResult run_quiver_direct(const std::vector<std::string>& args,
                                       std::optional<rlim_t> file_size_limit = std::nullopt) {
  const char* bin = std::getenv("QUIVER_BIN");
  if (!bin) return {-1, "QUIVER_BIN is not set"};
  int fds[2];
  if (pipe(fds) != 0) return {-1, "pipe failed"};
  pid_t pid = fork();
  if (pid == 0) {
    if (file_size_limit) {
      signal(SIGXFSZ, SIG_IGN);
      rlimit limit{*file_size_limit, *file_size_limit};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    // Under AddressSanitizer freed memory waits in a quarantine, resident: the peak memory quiver reports
    // would be ASan's, not its own.
    const char* asan = std::getenv("ASAN_OPTIONS");
    setenv("ASAN_OPTIONS", ((asan ? std::string(asan) + ":" : "") + "quarantine_size_mb=0").c_str(), 1);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    std::vector<char*> argv{const_cast<char*>(bin)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin, argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string err;
  char buf[4096];
  while (ssize_t n = read(fds[0], buf, sizeof buf)) {
    if (n < 0) break;
    err.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

inline CommandResult run_quiver_with_full_disk(const std::vector<std::string>& args, rlim_t bytes) {
  return run_quiver_direct(args, bytes);
}

}  // namespace quiver::testing
