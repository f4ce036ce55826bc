// 64-bit term ids. The top 4 bits are a tag; the other 60 bits are either a hash of the term's dictionary
// bytes (IRIs, blank nodes, other literals) or the value itself for small canonical literals, ordered so that
// ids of one tag sort by value. An inlined literal never touches the dictionary.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "store/term.h"

namespace quiver {

using TermId = uint64_t;

enum class IdTag : uint8_t {
  DefaultGraph = 0,  // the id 0 alone: the default graph
  Iri = 1,
  Blank = 2,
  Literal = 3,  // any literal kept in the dictionary
  Integer = 4,
  Decimal = 5,
  Double = 6,
  Boolean = 7,
  Date = 8,
  DateTime = 9,
};

inline constexpr TermId kDefaultGraph = 0;
inline constexpr int kPayloadBits = 60;
inline constexpr TermId kPayloadMask = (TermId{1} << kPayloadBits) - 1;

inline IdTag id_tag(TermId id) {
  return static_cast<IdTag>(id >> kPayloadBits);
}
inline TermId make_id(IdTag tag, uint64_t payload) {
  return (TermId{static_cast<uint8_t>(tag)} << kPayloadBits) | (payload & kPayloadMask);
}
inline bool is_inline(TermId id) {
  return id_tag(id) >= IdTag::Integer;
}

// The id a literal gets when its lexical form is the canonical form of a value that fits in 60 bits;
// nullopt when it must go to the dictionary (non-canonical forms such as "01" are kept there so they
// round-trip exactly).
std::optional<TermId> inline_id(const TermView& term);
// Same, from the parts a parser hands over, without building a Term.
std::optional<TermId> inline_id(std::string_view lexical, std::string_view datatype);
// The id of the xsd:integer `v` when it is inline (a count, say), without rendering it.
std::optional<TermId> integer_id(int64_t v);
// The value of an inline xsd:integer id; nullopt for any other id.
std::optional<int64_t> integer_value(TermId id);

// The term an inline id stands for. Precondition: is_inline(id).
Term decode_inline(TermId id);

// The dictionary id of a term from its encoded bytes. `hash_bits` narrows the hash (tests use it to force
// collisions); `probe` > 0 gives the alternative ids used when two terms collide. `fingerprint`, when given,
// receives 64 more hash bits that tell apart terms sharing an id.
TermId hashed_id(TermKind kind, std::string_view encoded, int hash_bits, uint32_t probe = 0,
                 uint64_t* fingerprint = nullptr);
IdTag dictionary_tag(TermKind kind);
// The kind of term an id stands for (the inverse of dictionary_tag; inline ids are literals).
TermKind term_kind(TermId id);

}  // namespace quiver
