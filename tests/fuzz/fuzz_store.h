// An empty store for the targets that run queries: opened once per process in a temporary folder, removed
// when the process exits normally.
#pragma once

#include <filesystem>
#include <memory>
#include <random>

#include "store/store.h"

namespace quiver::fuzz {

// An empty store in a temporary folder, removed when the process exits normally.
class EmptyStore final {
 public:
  EmptyStore() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("quiver-fuzz-" + std::to_string(rd()));
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
