// A right side evaluated once and kept as one flat array of rows, hashed on demand by the variables a probe
// binds (a counting sort by bucket per key set).
#include "query/operators/operators.h"

namespace quiver::query {

MaterializedRows::MaterializedRows(RowStream& rows, QueryContext& ctx)
    : width_(ctx.variables()), always_bound_(width_, true) {
  while (size_t n = rows.next_rows(cells_, width_)) {
    ctx.check_deadline();
    ctx.charge_memory(
        n * (width_ * sizeof(TermId) + sizeof(uint32_t) * 3));  // the rows, their slots in all_ and an index
    for (size_t i = count_; i < count_ + n; ++i)
      for (size_t v = 0; v < width_; ++v)
        always_bound_[v] = always_bound_[v] && cells_[i * width_ + v] != kUnbound;
    count_ += n;
  }
  all_.resize(count_);
  for (uint32_t i = 0; i < count_; ++i) all_[i] = i;
}

uint64_t MaterializedRows::key_hash(std::span<const TermId> row, const std::vector<VarId>& keys) {
  uint64_t h = 0x9E3779B97F4A7C15ULL;
  for (VarId v : keys) h = (h ^ row[v]) * 0xFF51AFD7ED558CCDULL;
  return h ^ (h >> 29);
}

MaterializedRows::HashIndex MaterializedRows::build_index(const std::vector<VarId>& keys) const {
  // A counting sort by bucket: two passes, no comparisons, each bucket's rows contiguous.
  HashIndex index;
  uint64_t buckets = 1;
  while (buckets < count_) buckets <<= 1;
  index.mask = buckets - 1;
  index.offsets.assign(buckets + 1, 0);
  std::vector<uint32_t> bucket_of(count_);
  for (uint32_t i = 0; i < count_; ++i) {
    bucket_of[i] = static_cast<uint32_t>(key_hash(row(i), keys) & index.mask);
    ++index.offsets[bucket_of[i] + 1];
  }
  for (uint64_t b = 0; b < buckets; ++b) index.offsets[b + 1] += index.offsets[b];
  index.rows.resize(count_);
  std::vector<uint32_t> fill(index.offsets.begin(), index.offsets.end() - 1);
  for (uint32_t i = 0; i < count_; ++i) index.rows[fill[bucket_of[i]]++] = i;
  return index;
}

std::span<const uint32_t> MaterializedRows::candidates(const Row& probe, bool* shared) {
  keys_.clear();
  for (VarId v = 0; v < probe.size(); ++v)
    if (probe[v] != kUnbound && always_bound_[v]) keys_.push_back(v);
  if (shared) *shared = !keys_.empty();
  if (keys_.empty() || count_ == 0) return all_;
  if (!last_index_ || keys_ != last_keys_) {
    auto it = indexes_.find(keys_);
    if (it == indexes_.end()) it = indexes_.emplace(keys_, build_index(keys_)).first;
    last_index_ = &it->second;
    last_keys_ = keys_;
  }
  const HashIndex& index = *last_index_;
  const uint64_t b = key_hash(probe, keys_) & index.mask;
  return std::span<const uint32_t>(index.rows)
      .subspan(index.offsets[b], index.offsets[b + 1] - index.offsets[b]);
}

}  // namespace quiver::query
