// Decoded dictionary terms shared by every reader of a store (internal to store/). Term ids are hashes, so
// the terms of one result are spread over random dictionary blocks; hot terms (classes, predicates, the
// labels everyone asks for) are decoded once instead of once per query. Two generations approximate LRU
// at the cost of a map move: a lookup that hits the old generation promotes the term, and when the young
// generation fills up, it becomes the old one.
#pragma once

#include <array>
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
    if (const Term* t = s.young.find(id)) return *t;
    const Term* old = s.old.find(id);
    if (!old) return std::nullopt;
    Term t = *old;
    insert_locked(s, id, t);
    return t;
  }

  void insert(TermId id, const Term& term) {
    if (shard_capacity_ == 0) return;
    Shard& s = shard(id);
    std::lock_guard lock(s.mutex);
    insert_locked(s, id, term);
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    TermTable young, old;
  };
  Shard& shard(TermId id) { return shards_[(id ^ (id >> 17)) % kShards]; }
  void insert_locked(Shard& s, TermId id, const Term& term) {
    if (s.young.size() >= shard_capacity_) {
      std::swap(s.old, s.young);
      s.young.clear();
    }
    if (!s.young.find(id)) s.young.insert(id, term);
  }

  size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace quiver
