// How a subject's text becomes a Xapian document, and the terms searches address (internal to fulltext/).
// A document holds, for every statement of the subject with a string object, the words of that string
// under the predicate's prefix (a search of every field searches each field's prefix); values in a
// language Xapian can stem also get their stemmed words. Its data is the subject's id.
#pragma once

#include <xapian.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace quiver::fulltext {

// The prefix of the terms of predicate `p`'s values.
std::string field_prefix(TermId p);
// The term naming the document of `subject` (one per subject: what replace_document finds).
std::string subject_term(TermId subject);
// The predicate and the word (or stem) of a field term; nullopt for other terms.
std::optional<std::pair<TermId, std::string>> parse_field_term(std::string_view term);
// The subject a document of the index stands for.
TermId document_subject(const Xapian::Document& document);
// The predicates whose values the index holds (a search of every field searches theirs), as recorded.
std::vector<TermId> indexed_fields(const Xapian::Database& db);
void record_fields(Xapian::WritableDatabase& db, const std::vector<TermId>& fields);
// Where the index records the last store sequence it reflects.
inline constexpr const char* kAppliedSequenceKey = "quiver.applied-sequence";
inline uint64_t applied_sequence(const Xapian::Database& db) {
  const std::string value = db.get_metadata(kAppliedSequenceKey);
  return value.empty() ? 0 : std::stoull(value);
}
// The stemmer of a language tag's primary language; "none" when Xapian has none for it.
const Xapian::Stem& stemmer_for(std::string_view language);

// One statement's text: its predicate and its object, a string literal.
struct TextValue {
  TermId predicate;
  Term literal;
};

// Whether an object id may be a string literal (the dictionary's literals; inline ones are numbers, dates).
inline bool may_be_text(TermId object) {
  return id_tag(object) == IdTag::Literal;
}
// Whether a literal is a string (plain, xsd:string or language-tagged): what the index holds.
inline bool is_text(const Term& literal) {
  return literal.kind == TermKind::Literal && literal.datatype.empty();
}

// The document of a subject with these values (none: the subject has no document).
Xapian::Document make_document(TermId subject, const std::vector<TextValue>& values);

// Reads the string values of many subjects at once: their statements as the caller finds them, then
// their literals in one read of the dictionary per batch.
class ValueReader {
 public:
  explicit ValueReader(const Store& store) : store_(store) {}
  // Starts the statements of `subject` (a subject may have none: it lost its text).
  void begin_subject(TermId subject) { subjects_.push_back({subject, {}}); }
  // A statement of the current subject whose object may be text.
  void add(const Quad& q) {
    subjects_.back().quads.push_back(q);
    ++quads_;
  }
  // Whether enough is gathered to read the dictionary for it.
  bool full() const { return subjects_.size() >= 4096 || quads_ >= 65'536; }
  // Calls `each(subject, values)` for every subject begun since the last call, in order.
  void flush(const std::function<void(TermId, const std::vector<TextValue>&)>& each);

 private:
  struct Subject {
    TermId id;
    std::vector<Quad> quads;
  };
  const Store& store_;
  std::vector<Subject> subjects_;
  size_t quads_ = 0;
};

}  // namespace quiver::fulltext
