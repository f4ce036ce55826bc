// Test support: counts of passed and known-failing W3C tests per suite folder, printed when the run ends
// (scripts/update-conformance.py reads these lines).
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

namespace quiver::testing {

class SuiteTally : public ::testing::Environment {
 public:
  // The tally of this test program, registered with gtest on first use.
  static SuiteTally& instance() {
    static SuiteTally* tally = static_cast<SuiteTally*>(::testing::AddGlobalTestEnvironment(new SuiteTally));
    return *tally;
  }
  void passed(const std::string& suite) { ++counts_[suite].first; }
  void known_failure(const std::string& suite) { ++counts_[suite].second; }

  void TearDown() override {
    int passed = 0, known = 0;
    for (auto& [suite, c] : counts_) {
      std::printf("W3C %-40s %4d passed, %3d known failures\n", suite.c_str(), c.first, c.second);
      passed += c.first;
      known += c.second;
    }
    std::printf("W3C in all: %d passed, %d known failures\n", passed, known);
  }

 private:
  std::map<std::string, std::pair<int, int>> counts_;  // suite -> (passed, known failures)
};

}  // namespace quiver::testing
