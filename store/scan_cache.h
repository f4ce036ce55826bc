// Whole index ranges kept in memory (internal to store/). A cursor that reads every key under a prefix from
// its start records them; later cursors over the same prefix, reading the same state of the store, walk
// the array instead of RocksDB (an iterator step costs about 100 ns, an array step a few). A range is
// tagged with the sequence number of the state it was read from and serves only cursors of that state, so
// any write retires it. The least recently used ranges go first when the budget is full.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"

namespace quiver {

class ScanCache {
 public:
  // The quads under one prefix of one index, in that index's order, as of one sequence number.
  struct Range {
    uint64_t sequence = 0;
    std::vector<Quad> quads;
  };
  // Ranges smaller than this are not worth an entry: a seek reads them as fast.
  static constexpr size_t kMinQuads = 4096;

  explicit ScanCache(size_t budget_bytes) : budget_(budget_bytes) {}

  std::shared_ptr<const Range> find(IndexOrder order, const std::string& prefix, uint64_t sequence);
  void add(IndexOrder order, const std::string& prefix, std::shared_ptr<const Range> range);
  // Whether a range of this many quads could be kept at all (recording stops past it).
  bool fits(size_t quads) const { return quads * sizeof(Quad) <= budget_ / 4; }
  // Admission for scans of an interval of a prefix (a FILTER range): they never read the whole prefix on
  // their own, so the second one of a prefix reads it whole for the cache. True from the second call for
  // the same prefix on: a one-off range query does not pay for reading the prefix.
  bool seen_before(IndexOrder order, const std::string& prefix);

 private:
  struct Slot {
    std::shared_ptr<const Range> range;
    uint64_t last_use = 0;
  };
  using Key = std::pair<IndexOrder, std::string>;
  static size_t bytes(const Range& r) { return r.quads.size() * sizeof(Quad); }

  std::mutex mutex_;
  std::map<Key, Slot> slots_;
  std::set<Key> seen_;  // seen_before(); forgotten wholesale past kMaxSeen
  static constexpr size_t kMaxSeen = 4096;
  size_t budget_, used_ = 0;
  uint64_t clock_ = 0;
};

}  // namespace quiver
