// Parsed queries kept for the queries that differ from them only in the constants of their triple patterns
// (IRIs and strings; lowering.h: lift_pattern_constants): a service answering the same query about another
// subject many times a second parses its text once, not every time (Rasqal's parse of each was a tenth of a
// point query's cost). A shape is parsed as a template the second time it is seen, so that queries asked once
// pay nothing more.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "query/algebra.h"

namespace quiver::query {

class QueryTemplates {
 public:
  // At most `capacity` shapes, whose texts hold at most `text_bytes` in all (the parsed queries take a
  // few times their text).
  explicit QueryTemplates(size_t capacity = 4096, size_t text_bytes = size_t{16} << 20)
      : capacity_(capacity), text_bytes_(text_bytes) {}

  // What parse_query(text, base_iri) returns or throws. Safe from many threads at once.
  Query parse(std::string_view text, const std::string& base_iri);
  // Queries answered from a template so far.
  uint64_t reused() const { return reused_.load(std::memory_order_relaxed); }

 private:
  struct Shape {
    std::shared_ptr<const Query> parsed;  // null until the second sighting
    bool unusable = false;                // the template did not parse where the query did
    std::list<std::string>::iterator recency;
  };
  // The shape of `key`, made the most recent, and whether it is new (then the least recent go, past the
  // bounds).
  std::pair<Shape&, bool> touch(const std::string& key);

  const size_t capacity_, text_bytes_;
  size_t held_bytes_ = 0;
  std::mutex mutex_;
  std::unordered_map<std::string, Shape> shapes_;
  std::list<std::string> recency_;  // most recent first
  std::atomic<uint64_t> reused_{0};
};

}  // namespace quiver::query
