// The store's statistics shared by every reader that sees the same state of the store, rather than read
// from the metadata (and copied) once per query. Exact: a reader only gets statistics read at a state no
// older than the last commit and no newer than its own snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

namespace quiver {

struct Statistics;

class StatisticsCache {
 public:
  // The statistics as of a snapshot at `sequence`, when known; null otherwise (read them, then offer()).
  std::shared_ptr<const Statistics> find(uint64_t sequence) const;
  // Statistics read at `sequence`, kept for the readers that come after, unless a commit came between.
  void offer(uint64_t sequence, std::shared_ptr<const Statistics> statistics);

  // Around every write that may change the statistics (writers take turns: one change at a time). From
  // begin() on nothing is served; end() gets the store's latest sequence after the write.
  void begin_change();
  void end_change(uint64_t latest_sequence);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Statistics> statistics_;
  uint64_t valid_from_ = 0;  // the sequence after the last change
  bool changing_ = false;
};

}  // namespace quiver
