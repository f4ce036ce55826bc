// Shared by the libFuzzer targets of this folder and by tests/fuzz_regressions_test.cpp, which compiles the
// same target files into a GoogleTest binary of the normal build and replays tests/fuzz/regressions/<target>/
// through them.
//
// A target is written as
//   QUIVER_FUZZ_TARGET(name) { ...use data, size...; return 0; }
// In a fuzzing build (QUIVER_FUZZ) that defines LLVMFuzzerTestOneInput; with QUIVER_FUZZ_REGRESSIONS it
// registers the function under `name` instead, so many targets share one binary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quiver::fuzz {

using Entry = int (*)(const uint8_t* data, size_t size);

inline std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> targets;
  return targets;
}

struct Registration {
  Registration(const char* name, Entry entry) { registry()[name] = entry; }
};

// A broken invariant (not a crash, but as bad): the regression test reports it, the fuzzer stops on it.
class InvariantViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] inline void fail(const std::string& what) {
#ifdef QUIVER_FUZZ_REGRESSIONS
  throw InvariantViolation(what);
#else
  std::fprintf(stderr, "INVARIANT VIOLATED: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
#endif
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace quiver::fuzz

#define QUIVER_FUZZ_CHECK(condition, what)                                                        \
  do {                                                                                            \
    if (!(condition)) ::quiver::fuzz::fail(std::string(#condition) + " -- " + std::string(what)); \
  } while (0)

#ifdef QUIVER_FUZZ_REGRESSIONS
#define QUIVER_FUZZ_TARGET(name)                                                                        \
  static int quiver_fuzz_##name(const uint8_t* data, size_t size);                                      \
  static const ::quiver::fuzz::Registration quiver_fuzz_registration_##name(#name, quiver_fuzz_##name); \
  static int quiver_fuzz_##name(const uint8_t* data, size_t size)
#else
#define QUIVER_FUZZ_TARGET(name)                                            \
  static int quiver_fuzz_##name(const uint8_t* data, size_t size);          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return quiver_fuzz_##name(data, size);                                  \
  }                                                                         \
  static int quiver_fuzz_##name(const uint8_t* data, size_t size)
#endif
