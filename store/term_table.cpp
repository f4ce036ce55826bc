#include "store/term_table.h"

#include <bit>

namespace quiver {

const Term* TermTable::find(TermId id) const {
  if (slots_.empty()) return nullptr;
  for (size_t i = home(id);; i = (i + 1) & (slots_.size() - 1)) {
    if (slots_[i].id == id) return &terms_[slots_[i].index];
    if (slots_[i].id == kEmpty) return nullptr;
  }
}

const Term& TermTable::insert(TermId id, Term term) {
  if (2 * (terms_.size() + 1) > slots_.size()) grow();
  size_t i = home(id);
  while (slots_[i].id != kEmpty) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = Slot{id, static_cast<uint32_t>(terms_.size())};
  terms_.push_back(std::move(term));
  return terms_.back();
}

void TermTable::grow() {
  const size_t capacity = std::max<size_t>(64, 2 * slots_.size());
  shift_ = 64 - std::countr_zero(capacity);
  std::vector<Slot> old(capacity, Slot{kEmpty, 0});
  old.swap(slots_);
  for (const Slot& s : old) {
    if (s.id == kEmpty) continue;
    size_t i = home(s.id);
    while (slots_[i].id != kEmpty) i = (i + 1) & (capacity - 1);
    slots_[i] = s;
  }
}

void TermTable::clear() {
  slots_.clear();
  shift_ = 64;
  terms_.clear();
}

}  // namespace quiver
