// The change log's keys for one commit (internal to store/): every subject whose statements with a
// literal object the commit adds or removes, once, under the commit's sequence. Those are what a text
// index (the embedded full-text index, an external search engine's sync) has to look at again.
#pragma once

#include <cstdint>
#include <string>

#include "store/keys.h"

namespace quiver {

class ChangeLogKeys {
 public:
  explicit ChangeLogKeys(uint64_t sequence) : sequence_(sequence) {}

  // For a quad the commit adds or removes, in SPOG order: the key to write when it is the first of its
  // subject with a literal object, else null.
  const std::string* note(const Quad& q) {
    if (id_tag(q.o) < IdTag::Literal || (any_ && q.s == last_)) return nullptr;
    any_ = true;
    last_ = q.s;
    key_ = keys::change_key(sequence_, q.s);
    return &key_;
  }
  // Whether the commit logs anything (and so takes its sequence).
  bool any() const { return any_; }
  uint64_t sequence() const { return sequence_; }

 private:
  uint64_t sequence_;
  TermId last_ = 0;
  bool any_ = false;
  std::string key_;
};

}  // namespace quiver
