// Replays every input saved under tests/fuzz/regressions/<target>/ (inputs the fuzzers once crashed on or
// broke an invariant with) through the same target code, compiled into this normal-build test: a crash
// found once stays fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "tests/fuzz/fuzz_support.h"

namespace quiver::fuzz {
namespace {

const std::filesystem::path kRegressions = QUIVER_FUZZ_REGRESSIONS_DIR;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Inputs whose fix is elsewhere and still open, as "<target>/<file>": skipped, and listed.
std::set<std::string> known_open() {
  std::set<std::string> open;
  std::ifstream in(kRegressions / "known_open.txt");
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') open.insert(line.substr(0, line.find(' ')));
  return open;
}

TEST(FuzzRegressions, EveryTargetIsRegistered) {
  EXPECT_EQ(registry().size(), 12u);
}

TEST(FuzzRegressions, EveryKnownOpenInputExists) {
  for (const auto& entry : known_open()) EXPECT_TRUE(std::filesystem::exists(kRegressions / entry)) << entry;
}

TEST(FuzzRegressions, EveryFolderNamesATarget) {
  if (!std::filesystem::exists(kRegressions)) GTEST_SKIP() << "no regression inputs";
  for (const auto& dir : std::filesystem::directory_iterator(kRegressions))
    if (dir.is_directory()) {
      EXPECT_TRUE(registry().count(dir.path().filename().string())) << dir.path() << " names no fuzz target";
    }
}

TEST(FuzzRegressions, EmptyInputIsHandled) {
  for (const auto& [name, entry] : registry()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(entry(nullptr, 0), 0);
  }
}

TEST(FuzzRegressions, EverySavedInputPasses) {
  const auto open = known_open();
  size_t replayed = 0;
  for (const auto& [name, entry] : registry()) {
    const auto dir = kRegressions / name;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir)) {
      if (!file.is_regular_file() || file.path().filename().string().starts_with(".")) continue;
      if (open.count(name + "/" + file.path().filename().string())) {
        std::printf("skipped (known open, see known_open.txt): %s/%s\n", name.c_str(),
                    file.path().filename().c_str());
        continue;
      }
      SCOPED_TRACE(file.path().string());
      const std::string input = read_all(file.path());
      try {
        EXPECT_EQ(entry(reinterpret_cast<const uint8_t*>(input.data()), input.size()), 0);
      } catch (const InvariantViolation& e) {
        ADD_FAILURE() << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "unexpected exception: " << e.what();
      }
      ++replayed;
    }
  }
  std::printf("replayed %zu saved inputs\n", replayed);
}

}  // namespace
}  // namespace quiver::fuzz
