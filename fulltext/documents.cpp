#include "fulltext/documents.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "fulltext/text_index.h"

namespace quiver::fulltext {

namespace {
std::string hex(TermId id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, id >>= 4) out[i] = kDigits[id & 15];
  return out;
}
}  // namespace

std::string field_prefix(TermId p) {
  return "XP" + hex(p);
}

std::string subject_term(TermId subject) {
  return "Q" + hex(subject);
}

std::optional<std::pair<TermId, std::string>> parse_field_term(std::string_view term) {
  if (term.starts_with('Z')) term.remove_prefix(1);  // a stem
  constexpr size_t kPrefix = 18;                     // "XP" and 16 hex digits
  if (!term.starts_with("XP") || term.size() < kPrefix) return std::nullopt;
  TermId predicate = 0;
  for (char c : term.substr(2, 16)) {
    const int digit = c >= 'a' ? c - 'a' + 10 : c - '0';
    if (digit < 0 || digit > 15) return std::nullopt;
    predicate = predicate << 4 | static_cast<TermId>(digit);
  }
  return std::pair{predicate, std::string(term.substr(kPrefix))};
}

TermId document_subject(const Xapian::Document& document) {
  const std::string data = document.get_data();
  TermId id = 0;
  if (data.size() == sizeof id) std::memcpy(&id, data.data(), sizeof id);
  return id;
}

namespace {
constexpr const char* kFieldsKey = "quiver.fields";
}

std::vector<TermId> indexed_fields(const Xapian::Database& db) {
  const std::string value = db.get_metadata(kFieldsKey);
  std::vector<TermId> out;
  for (size_t at = 0; at + sizeof(TermId) <= value.size(); at += sizeof(TermId)) {
    TermId p;
    std::memcpy(&p, value.data() + at, sizeof p);
    out.push_back(p);
  }
  return out;
}

void record_fields(Xapian::WritableDatabase& db, const std::vector<TermId>& fields) {
  std::string value;
  for (TermId p : fields) value.append(reinterpret_cast<const char*>(&p), sizeof p);
  db.set_metadata(kFieldsKey, value);
}

const Xapian::Stem& stemmer_for(std::string_view language) {
  // Per thread: a Stem's reference count is not atomic, so threads building documents keep their own.
  thread_local std::unordered_map<std::string, Xapian::Stem> stemmers;
  std::string primary(language.substr(0, language.find('-')));
  std::transform(primary.begin(), primary.end(), primary.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  auto it = stemmers.find(primary);
  if (it != stemmers.end()) return it->second;
  Xapian::Stem stem;  // "none"
  if (!primary.empty()) {
    try {
      stem = Xapian::Stem(primary);
    } catch (const Xapian::InvalidArgumentError&) {  // a language Xapian does not stem
    }
  }
  return stemmers.emplace(primary, stem).first->second;
}

Xapian::Document make_document(TermId subject, const std::vector<TextValue>& values) {
  Xapian::Document document;
  document.set_data(std::string(reinterpret_cast<const char*>(&subject), sizeof subject));
  document.add_boolean_term(subject_term(subject));
  Xapian::TermGenerator words;
  words.set_document(document);
  words.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  for (const TextValue& value : values) {
    words.set_stemmer(stemmer_for(value.literal.language));
    // Positions apart, so that a phrase never spans two values.
    words.index_text(value.literal.value, 1, field_prefix(value.predicate));
    words.increase_termpos(100);
  }
  return document;
}

bool value_matches(const Term& literal, const FieldMatch& match) {
  const Xapian::Document scratch = make_document(0, {{match.predicate, literal}});
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    const auto field = parse_field_term(*t);
    if (field && std::find(match.terms.begin(), match.terms.end(), field->second) != match.terms.end())
      return true;
  }
  return false;
}

void ValueReader::flush(const std::function<void(TermId, const std::vector<TextValue>&)>& each) {
  std::vector<TermId> ids;
  for (const Subject& s : subjects_)
    for (const Quad& q : s.quads) ids.push_back(q.o);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const std::vector<std::optional<Term>> terms = store_.terms(ids);
  std::vector<TextValue> values;
  for (const Subject& s : subjects_) {
    values.clear();
    for (const Quad& q : s.quads) {
      const auto at = std::lower_bound(ids.begin(), ids.end(), q.o) - ids.begin();
      const std::optional<Term>& literal = terms[at];
      if (literal && is_text(*literal)) values.push_back({q.p, *literal});
    }
    each(s.id, values);
  }
  subjects_.clear();
  quads_ = 0;
}

}  // namespace quiver::fulltext
