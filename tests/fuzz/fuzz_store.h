// An empty store for the targets that run queries: opened once per process in a temporary folder named after
// the process, removed when it exits normally or, after a crash, by the next process that opens one.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "store/store.h"

namespace quiver::fuzz {

// An empty store in a temporary folder, removed when the process exits normally.
class EmptyStore final {
 public:
  EmptyStore() {
    // A process that crashed (the fuzzer's business) left its store behind: remove the stores of processes
    // that are gone, so long runs in fork mode do not fill the temporary folder.
    const auto tmp = std::filesystem::temp_directory_path();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("quiver-fuzz-") && !std::filesystem::exists("/proc/" + name.substr(12)))
        std::filesystem::remove_all(entry.path(), ec);
    }
    dir_ = tmp / ("quiver-fuzz-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_, ec);
    store_ = Store::open(dir_ / "db");
  }
  ~EmptyStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const Store& get() const { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

inline const Store& empty_store() {
  static EmptyStore store;
  return store.get();
}

}  // namespace quiver::fuzz
