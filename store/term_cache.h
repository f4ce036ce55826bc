// Decoded dictionary terms shared by every reader of a store (internal to store/). Term ids are hashes, so
// the terms of one result are spread over random dictionary blocks; hot terms (classes, predicates, the
// labels everyone asks for) are decoded once instead of once per query. Two generations approximate LRU
// at the cost of a map move: a lookup that hits the old generation promotes the term, and when the young
// generation fills up, it becomes the old one.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>

#include "store/term.h"
#include "store/term_id.h"
#include "store/term_table.h"

namespace quiver {

class TermCache {
 public:
  explicit TermCache(size_t capacity) : shard_capacity_(std::max<size_t>(1, capacity / kShards)) {}

  std::optional<Term> find(TermId id) {
    Shard& s = shard(id);
    std::lock_guard lock(s.mutex);
    const Term* t = s.terms.hold(id);  // a hit in the old generation is promoted: a recently used term
    if (!t) return std::nullopt;
    return *t;
  }

  void insert(TermId id, const Term& term) {
    Shard& s = shard(id);
    std::lock_guard lock(s.mutex);
    s.terms.insert(id, term);
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    explicit Shard(size_t capacity) : terms(capacity) {}
    std::mutex mutex;
    TermGenerations terms;
  };
  Shard& shard(TermId id) { return *shards_[(id ^ (id >> 17)) % kShards]; }

  size_t shard_capacity_;
  std::array<std::unique_ptr<Shard>, kShards> shards_ = make_shards(shard_capacity_);
  static std::array<std::unique_ptr<Shard>, kShards> make_shards(size_t capacity) {
    std::array<std::unique_ptr<Shard>, kShards> shards;
    for (auto& s : shards) s = std::make_unique<Shard>(capacity);
    return shards;
  }
};

}  // namespace quiver
