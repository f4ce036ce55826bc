// A right side evaluated once and kept as one flat array of rows, hashed on demand by the variables a probe
// binds: an open-addressing table of distinct keys per key set, each key with its rows.
#include "query/operators/operators.h"

#include <algorithm>

namespace quiver::query {

MaterializedRows::MaterializedRows(RowStream& rows, QueryContext& ctx)
    : width_(ctx.variables()), always_bound_(width_, true), ever_bound_(width_, false) {
  while (size_t n = rows.next_rows(cells_, width_)) {
    ctx.check_deadline();
    // The rows, their indexes in all_ and in an index, and an index's slots.
    ctx.charge_memory(n * (width_ * sizeof(TermId) + 2 * sizeof(uint32_t) + 2 * sizeof(Slot)));
    for (size_t i = count_; i < count_ + n; ++i)
      for (size_t v = 0; v < width_; ++v) {
        const bool bound = cells_[i * width_ + v] != kUnbound;
        always_bound_[v] = always_bound_[v] && bound;
        ever_bound_[v] = ever_bound_[v] || bound;
      }
    count_ += n;
  }
  all_.resize(count_);
  for (uint32_t i = 0; i < count_; ++i) all_[i] = i;
  for (VarId v = 0; v < width_; ++v)
    if (always_bound_[v]) always_bound_vars_.push_back(v);
}

namespace {
uint64_t slot_hash(uint64_t key) {
  key *= 0xFF51AFD7ED558CCDULL;
  return key ^ (key >> 29);
}
}  // namespace

uint64_t MaterializedRows::key_of(std::span<const TermId> row, const std::vector<VarId>& keys) const {
  if (keys.size() == 1) return row[keys[0]];
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (VarId v : keys) h = (h ^ row[v]) * 0xFF51AFD7ED558CCDULL;
  return h;
}

const MaterializedRows::Slot* MaterializedRows::HashIndex::find(uint64_t key) const {
  for (uint64_t i = slot_hash(key) & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.count == 0) return nullptr;
    if (s.key == key) return &s;
  }
}

MaterializedRows::HashIndex MaterializedRows::build_index(const std::vector<VarId>& keys, bool cluster) {
  // At most half full, whatever the number of distinct keys: they are not known before.
  HashIndex index;
  // One key and nothing else bound: an equal key proves the row compatible, and merging it adds nothing.
  index.exact = keys.size() == 1;
  for (VarId v = 0; v < width_; ++v)
    if (v != keys[0] && ever_bound_[v]) index.exact = false;
  uint64_t capacity = 2;
  while (capacity < 2 * count_) capacity <<= 1;
  index.mask = capacity - 1;
  index.slots.assign(capacity, Slot{0, 0, 0});
  std::vector<uint32_t> slot_of(index.exact ? 0 : count_);
  for (uint32_t r = 0; r < count_; ++r) {
    const uint64_t key = key_of(row(r), keys);
    uint64_t i = slot_hash(key) & index.mask;
    while (index.slots[i].count != 0 && index.slots[i].key != key) i = (i + 1) & index.mask;
    index.slots[i].key = key;
    ++index.slots[i].count;
    if (!index.exact) slot_of[r] = static_cast<uint32_t>(i);
  }
  if (index.exact) return index;  // its probes need a key's number of rows only (rows_of())
  uint32_t start = 0;
  for (Slot& s : index.slots) {
    s.start = start;
    start += s.count;
  }
  index.rows.resize(count_);
  std::vector<uint32_t> filled(capacity, 0);
  for (uint32_t r = 0; r < count_; ++r) {
    const uint32_t i = slot_of[r];
    index.rows[index.slots[i].start + filled[i]++] = r;
  }
  if (cluster) {
    std::vector<TermId> clustered(cells_.size());
    for (size_t k = 0; k < count_; ++k)
      std::copy_n(cells_.begin() + index.rows[k] * width_, width_, clustered.begin() + k * width_);
    cells_.swap(clustered);
    index.rows.clear();
  }
  return index;
}

void MaterializedRows::bound_keys(const Row& probe, std::vector<VarId>& keys) const {
  keys.clear();
  for (VarId v : always_bound_vars_)
    if (probe[v] != kUnbound) keys.push_back(v);
}

MaterializedRows::Candidates MaterializedRows::candidates(const Row& probe, bool* shared) {
  bound_keys(probe, keys_);
  if (shared) *shared = !keys_.empty();
  if (keys_.empty() || count_ == 0) {
    probed_ = true;
    return Candidates{all_, false};
  }
  if (!last_index_ || !std::equal(keys_.begin(), keys_.end(), last_keys_.begin(), last_keys_.end())) {
    auto it = indexes_.find(keys_);
    if (it == indexes_.end()) it = indexes_.emplace(keys_, build_index(keys_, !probed_)).first;
    last_index_ = &it->second;
    last_keys_ = keys_;
  }
  probed_ = true;
  const Slot* slot = last_index_->find(key_of(probe, keys_));
  if (!slot) return Candidates{};
  return Candidates{rows_of(*last_index_, *slot), last_index_->exact};
}

void MaterializedRows::prefetch(std::span<const TermId> probe, bool deep) const {
  if (!last_index_) return;
  for (VarId v : last_keys_)
    if (probe[v] == kUnbound) return;
  const HashIndex& index = *last_index_;
  const uint64_t key = key_of(probe, last_keys_);
  if (!deep) return __builtin_prefetch(&index.slots[slot_hash(key) & index.mask]);
  if (index.exact) return;  // its probes read the slot only
  const Slot* slot = index.find(key);
  if (!slot) return;
  __builtin_prefetch(rows_of(index, *slot).data());
  if (index.rows.empty()) __builtin_prefetch(cells_.data() + size_t{slot->start} * width_);
}

}  // namespace quiver::query
