#include "store/scan_cache.h"

#include <algorithm>
#include <bit>

#include "store/keys.h"

namespace quiver {

std::shared_ptr<const CachedRange> ScanCache::find(IndexOrder order, const std::string& prefix,
                                                   uint64_t sequence) {
  return find(Key(order, prefix, std::nullopt), sequence);
}

void ScanCache::add(IndexOrder order, const std::string& prefix, std::shared_ptr<const CachedRange> range) {
  add(Key(order, prefix, std::nullopt), std::move(range));
}

ScanCache::Key ScanCache::predicate_key(TermId p, Lookup lookup) {
  return Key(IndexOrder::POSG, keys::id_key(p), lookup);
}

void LeadIndex::build(const std::vector<Quad>& quads, TermId Quad::*lead) {
  size_t runs = 0;
  for (size_t i = 0; i < quads.size(); ++i) runs += i == 0 || quads[i].*lead != quads[i - 1].*lead;
  const size_t capacity = std::bit_ceil(std::max<size_t>(2 * runs, 16));  // at most half full
  shift = 64 - std::countr_zero(capacity);
  slots.assign(capacity, {});
  for (size_t begin = 0, end; begin < quads.size(); begin = end) {
    const TermId id = quads[begin].*lead;
    for (end = begin + 1; end < quads.size() && quads[end].*lead == id;) ++end;
    size_t h = (id * kMultiplier) >> shift;
    while (slots[h].count) h = (h + 1) & (capacity - 1);
    slots[h] = {id, static_cast<uint32_t>(begin), static_cast<uint32_t>(end - begin)};
  }
}

std::pair<size_t, size_t> LeadIndex::find(TermId lead) const {
  for (size_t h = (lead * kMultiplier) >> shift; slots[h].count; h = (h + 1) & (slots.size() - 1))
    if (slots[h].lead == lead) return {slots[h].begin, slots[h].begin + slots[h].count};
  return {0, 0};
}

ScanCache::PredicateRange ScanCache::find_predicate(TermId p, Lookup lookup, uint64_t sequence,
                                                    const std::function<uint64_t()>& predicate_quads,
                                                    uint64_t lookups) {
  if (auto range = find(predicate_key(p, lookup), sequence)) return {std::move(range), false};
  std::unique_lock lock(counting_mutex_);
  if (lookups_.size() >= kMaxSeen) lookups_.clear();
  Lookups& l = lookups_[{p, lookup}];
  const uint64_t before = l.count;
  l.count += lookups;
  if (before < kMinLookups && l.count >= kMinLookups) {
    lock.unlock();  // the store's estimate may read through a cursor, which asks this cache
    const uint64_t quads = predicate_quads();
    lock.lock();
    lookups_[{p, lookup}].predicate_quads = quads;
  }
  Lookups& counted = lookups_[{p, lookup}];
  if (counted.count < kMinLookups || counted.count * 10 < counted.predicate_quads) return {};
  const uint64_t quads = counted.predicate_quads;
  if (!fits(quads) || !making_.insert({p, lookup}).second) return {};  // too large, or another query makes it
  counted = {};  // counted afresh: after a write retired the range, or when the predicate has grown to fit
  return {nullptr, true, quads};
}

std::shared_ptr<const CachedRange> ScanCache::kept_predicate(TermId p, Lookup lookup, uint64_t sequence) {
  return find(predicate_key(p, lookup), sequence);
}

void ScanCache::add_predicate(TermId p, Lookup lookup, std::shared_ptr<const CachedRange> range) {
  add(predicate_key(p, lookup), std::move(range));
}

void ScanCache::made_predicate(TermId p, Lookup lookup) {
  std::lock_guard lock(counting_mutex_);
  making_.erase({p, lookup});
}

ScanCache::Shard& ScanCache::shard(const Key& key) {
  const auto& [order, prefix, lookup] = key;
  const size_t h = std::hash<std::string>()(prefix) * 31 + static_cast<size_t>(order) * 3 +
                   (lookup ? static_cast<size_t>(*lookup) + 1 : 0);
  return shards_[h % kShards];
}

std::shared_ptr<const CachedRange> ScanCache::find(const Key& key, uint64_t sequence) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.slots.find(key);
  if (it == s.slots.end()) return nullptr;
  if (it->second.range->sequence != sequence) {
    if (it->second.range->sequence < sequence) {  // a write retired it; readers of older states are rare
      used_ -= bytes(*it->second.range);
      s.slots.erase(it);
    }
    return nullptr;
  }
  it->second.last_use = clock_.fetch_add(1, std::memory_order_relaxed) + 1;
  return it->second.range;
}

void ScanCache::add(const Key& key, std::shared_ptr<const CachedRange> range) {
  const size_t size = bytes(*range);
  if (size > budget_) return;
  make_room(size);
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto [it, fresh] = s.slots.try_emplace(key);
  if (!fresh) {
    if (it->second.range->sequence >= range->sequence) return;  // as new already
    used_ -= bytes(*it->second.range);
  }
  used_ += size;
  it->second = Slot{std::move(range), clock_.fetch_add(1, std::memory_order_relaxed) + 1};
}

void ScanCache::make_room(size_t incoming) {
  while (used_ + incoming > budget_) {
    Shard* oldest_shard = nullptr;
    Key oldest;
    uint64_t oldest_use = UINT64_MAX;
    for (Shard& s : shards_) {
      std::lock_guard lock(s.mutex);
      for (const auto& [key, slot] : s.slots)
        if (slot.last_use < oldest_use) {
          oldest_shard = &s;
          oldest = key;
          oldest_use = slot.last_use;
        }
    }
    if (!oldest_shard) return;
    std::lock_guard lock(oldest_shard->mutex);
    if (auto it = oldest_shard->slots.find(oldest); it != oldest_shard->slots.end()) {
      used_ -= bytes(*it->second.range);
      oldest_shard->slots.erase(it);
    }
  }
}

bool ScanCache::seen_before(IndexOrder order, const std::string& prefix) {
  std::lock_guard lock(counting_mutex_);
  if (seen_.size() >= kMaxSeen) seen_.clear();
  return !seen_.insert(Key(order, prefix, std::nullopt)).second;
}

}  // namespace quiver
