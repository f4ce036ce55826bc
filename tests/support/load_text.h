// Test support: loads a small text of RDF (written to a file in `dir`) into a store.
#pragma once

#include <string>

#include "loader/loader.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {

inline LoadReport load_text(Store& store, const TempDir& dir, const std::string& name,
                            const std::string& text) {
  LoadOptions options;
  options.inputs = {write_file(dir / name, text)};
  options.threads = 2;
  options.memory_mib = 64;
  return load(store, options);
}

}  // namespace quiver::testing
