// Decoded terms by id. A query may decode every literal of a predicate once each (a FILTER over all
// titles): a node per entry, as in a standard hash map, costs more to find, insert, rehash and free than
// the decoding itself. Here the table holds only ids and indexes, and the terms sit in a deque, which
// never moves them: a reference stays valid until clear().
#pragma once

#include <algorithm>
#include <deque>
#include <vector>

#include "store/term.h"
#include "store/term_id.h"

namespace quiver {

class TermTable {
 public:
  const Term* find(TermId id) const;
  const Term& insert(TermId id, Term term);
  size_t size() const { return terms_.size(); }
  void clear();

 private:
  struct Slot {
    TermId id;
    uint32_t index;  // in terms_
  };
  static constexpr TermId kEmpty = ~TermId{0};
  size_t home(TermId id) const { return (id * 0x9E3779B97F4A7C15ull) >> shift_; }
  void grow();

  std::vector<Slot> slots_;  // at most half full; a power of two long
  int shift_ = 64;
  std::deque<Term> terms_;
};

// Two TermTables as generations: when the young one holds `capacity` terms it becomes the old one and the
// old one is emptied. Bounded memory, and a reference insert() or hold() returned stays valid for at least
// `capacity` more insertions (a caller may hold a few terms while it decodes others).
class TermGenerations {
 public:
  explicit TermGenerations(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}
  // A hit in the old generation stays valid only until the next turn-over, which the next insert() may
  // bring: callers that keep the reference use hold().
  const Term* find(TermId id) const {
    if (const Term* t = young_.find(id)) return t;
    return old_.find(id);
  }
  // find(), with an old generation's hit copied into the young one first, so that the reference lasts as
  // long as an inserted one.
  const Term* hold(TermId id) {
    if (const Term* t = young_.find(id)) return t;
    const Term* old = old_.find(id);
    if (!old) return nullptr;
    Term copy = *old;  // before the insertion, which may empty the generation `old` lives in
    return &insert(id, std::move(copy));
  }
  const Term& insert(TermId id, Term term) {
    if (young_.size() >= capacity_) {
      std::swap(old_, young_);
      young_.clear();
    }
    if (const Term* t = young_.find(id)) return *t;
    return young_.insert(id, std::move(term));
  }

 private:
  size_t capacity_;
  TermTable young_, old_;
};

}  // namespace quiver
