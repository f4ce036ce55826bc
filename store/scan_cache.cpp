#include "store/scan_cache.h"

namespace quiver {

std::shared_ptr<const ScanCache::Range> ScanCache::find(IndexOrder order, const std::string& prefix,
                                                        uint64_t sequence) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(Key(order, prefix));
  if (it == slots_.end()) return nullptr;
  if (it->second.range->sequence != sequence) {
    if (it->second.range->sequence < sequence) {  // a write retired it; readers of older states are rare
      used_ -= bytes(*it->second.range);
      slots_.erase(it);
    }
    return nullptr;
  }
  it->second.last_use = ++clock_;
  return it->second.range;
}

void ScanCache::add(IndexOrder order, const std::string& prefix, std::shared_ptr<const Range> range) {
  std::lock_guard lock(mutex_);
  const size_t size = bytes(*range);
  if (size > budget_) return;
  if (auto it = slots_.find(Key(order, prefix)); it != slots_.end()) {
    if (it->second.range->sequence >= range->sequence) return;  // as new already
    used_ -= bytes(*it->second.range);
    slots_.erase(it);
  }
  while (used_ + size > budget_ && !slots_.empty()) {
    auto oldest = slots_.begin();
    for (auto it = slots_.begin(); it != slots_.end(); ++it)
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    used_ -= bytes(*oldest->second.range);
    slots_.erase(oldest);
  }
  used_ += size;
  slots_[Key(order, prefix)] = Slot{std::move(range), ++clock_};
}

bool ScanCache::seen_before(IndexOrder order, const std::string& prefix) {
  std::lock_guard lock(mutex_);
  if (seen_.size() >= kMaxSeen) seen_.clear();
  return !seen_.insert(Key(order, prefix)).second;
}

}  // namespace quiver
