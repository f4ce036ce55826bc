#include "store/statistics_cache.h"

namespace quiver {

std::shared_ptr<const Statistics> StatisticsCache::find(uint64_t sequence) const {
  std::lock_guard lock(mutex_);
  if (changing_ || sequence < valid_from_) return nullptr;
  return statistics_;
}

void StatisticsCache::offer(uint64_t sequence, std::shared_ptr<const Statistics> statistics) {
  std::lock_guard lock(mutex_);
  if (!changing_ && sequence >= valid_from_ && !statistics_) statistics_ = std::move(statistics);
}

void StatisticsCache::begin_change() {
  std::lock_guard lock(mutex_);
  changing_ = true;
  statistics_.reset();
}

void StatisticsCache::end_change(uint64_t latest_sequence) {
  std::lock_guard lock(mutex_);
  changing_ = false;
  valid_from_ = latest_sequence;
}

}  // namespace quiver
