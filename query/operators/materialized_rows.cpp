// A right side evaluated once and kept as one flat array of rows, hashed on demand by the variables a probe
// binds: an open-addressing table of distinct keys per key set, each key with its rows.
#include "query/operators/operators.h"

#include <algorithm>

namespace quiver::query {

MaterializedRows::MaterializedRows(RowStream& rows, QueryContext& ctx, const std::vector<VarId>& columns)
    : column_of_(ctx.variables(), -1) {
  for (VarId v : columns) add_column(v);
  const size_t row_width = ctx.variables();
  std::vector<TermId> batch;
  while (size_t n = rows.next_rows(batch, row_width)) {
    ctx.check_deadline();
    append(batch, n, row_width, ctx);
    batch.clear();
  }
  all_.resize(count_);
  for (uint32_t i = 0; i < count_; ++i) all_[i] = i;
  for (size_t c = 0; c < width_; ++c)
    if (always_bound_[c] && count_ > 0) always_bound_vars_.push_back(columns_[c]);
}

void MaterializedRows::append(std::span<const TermId> rows, size_t n, size_t row_width, QueryContext& ctx) {
  for (size_t r = 0; r < n; ++r)
    for (size_t v = 0; v < row_width; ++v)
      if (rows[r * row_width + v] != kUnbound && column_of_[v] < 0) add_column(static_cast<VarId>(v));
  // The rows, their indexes in all_ and in an index, and an index's slots.
  ctx.charge_memory(n * (width_ * sizeof(TermId) + 2 * sizeof(uint32_t) + 2 * sizeof(Slot)));
  for (size_t r = 0; r < n; ++r) {
    const std::span<const TermId> row = rows.subspan(r * row_width, row_width);
    for (size_t c = 0; c < width_; ++c) {
      const TermId id = row[columns_[c]];
      cells_.push_back(id);
      always_bound_[c] = always_bound_[c] && id != kUnbound;
      ever_bound_[c] = ever_bound_[c] || id != kUnbound;
    }
  }
  count_ += n;
}

void MaterializedRows::add_column(VarId v) {
  if (column_of_[v] >= 0) return;
  std::vector<TermId> widened;
  widened.reserve(count_ * (width_ + 1));
  for (size_t r = 0; r < count_; ++r) {
    const auto row = kept_row(r);
    widened.insert(widened.end(), row.begin(), row.end());
    widened.push_back(kUnbound);
  }
  cells_.swap(widened);
  column_of_[v] = static_cast<int>(width_++);
  columns_.push_back(v);
  always_bound_.push_back(count_ == 0);
  ever_bound_.push_back(false);
}

bool MaterializedRows::compatible_with(std::span<const TermId> probe, size_t i, bool* shared) const {
  const auto row = kept_row(i);
  bool any = false;
  for (size_t c = 0; c < width_; ++c) {
    const TermId a = probe[columns_[c]], b = row[c];
    if (a == kUnbound || b == kUnbound) continue;
    if (a != b) return false;
    any = true;
  }
  if (shared) *shared = any;
  return true;
}

bool MaterializedRows::merge_into(Row& out, size_t i) const {
  const auto row = kept_row(i);
  for (size_t c = 0; c < width_; ++c) {
    if (row[c] == kUnbound) continue;
    TermId& slot = out[columns_[c]];
    if (slot == kUnbound)
      slot = row[c];
    else if (slot != row[c])
      return false;
  }
  return true;
}

namespace {
uint64_t slot_hash(uint64_t key) {
  key *= 0xFF51AFD7ED558CCDULL;
  return key ^ (key >> 29);
}
}  // namespace

uint64_t MaterializedRows::key_of(std::span<const TermId> cells, const std::vector<VarId>& positions) {
  if (positions.size() == 1) return cells[positions[0]];
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (VarId v : positions) h = (h ^ cells[v]) * 0xFF51AFD7ED558CCDULL;
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
  for (size_t c = 0; c < width_; ++c)
    if (columns_[c] != keys[0] && ever_bound_[c]) index.exact = false;
  for (VarId v : keys) index.key_columns.push_back(static_cast<VarId>(column_of_[v]));
  uint64_t capacity = 2;
  while (capacity < 2 * count_) capacity <<= 1;
  index.mask = capacity - 1;
  index.slots.assign(capacity, Slot{0, 0, 0});
  std::vector<uint32_t> slot_of(index.exact ? 0 : count_);
  for (uint32_t r = 0; r < count_; ++r) {
    const uint64_t key = key_of(kept_row(r), index.key_columns);
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
  if (!last_index_ || !same_ids(keys_, last_keys_)) {
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
