// Searching the index: Neptune's query types as Xapian queries, scored with BM25 as Lucene scores.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "fulltext/documents.h"
#include "fulltext/text_index.h"

namespace quiver::fulltext {
namespace {

// OpenSearch's fuzziness AUTO: the edits allowed for a word of this many characters.
size_t allowed_edits(size_t length) {
  return length <= 2 ? 0 : length <= 5 ? 1 : 2;
}
// The most terms one fuzzy or prefix word expands to (OpenSearch's max_expansions is 50).
constexpr Xapian::termcount kMaxExpansions = 50;

// Levenshtein distance, given up (returning limit + 1) once it exceeds `limit`.
size_t edit_distance(std::string_view a, std::string_view b, size_t limit) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > limit) return limit + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0], best = row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
      best = std::min(best, row[j]);
    }
    if (best > limit) return limit + 1;
  }
  return row[b.size()];
}

std::string lower(std::string_view text) {
  return Xapian::Unicode::tolower(std::string(text));
}

// The words of `text` as the index splits them.
std::vector<std::string> words_of(const std::string& text) {
  Xapian::Document scratch;
  Xapian::TermGenerator generator;
  generator.set_document(scratch);
  generator.index_text(text);
  std::vector<std::pair<Xapian::termpos, std::string>> positioned;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) positioned.emplace_back(*p, *t);
  std::sort(positioned.begin(), positioned.end());
  std::vector<std::string> out;
  for (auto& [position, word] : positioned) out.push_back(std::move(word));
  return out;
}

// The terms under `prefix` within the allowed edits of `word`, closest first, at most kMaxExpansions.
// A walk of the whole term list: it heeds `stop` (a query's deadline), as the store's walks do.
Xapian::Query fuzzy_word(const Xapian::Database& db, const std::string& prefix, const std::string& word,
                         const Cancellation* stop) {
  const size_t limit = allowed_edits(word.size());
  std::vector<std::pair<size_t, std::string>> near;
  uint32_t walked = 0;
  for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
    if (stop && ++walked % 4096 == 0) stop->check();
    const std::string term = *t;
    const size_t d = edit_distance(std::string_view(term).substr(prefix.size()), word, limit);
    if (d <= limit) near.emplace_back(d, term);
  }
  std::sort(near.begin(), near.end());
  if (near.size() > kMaxExpansions) near.resize(kMaxExpansions);
  std::vector<Xapian::Query> terms;
  for (auto& [d, term] : near) terms.emplace_back(term);
  return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
}

// A query of the parser's syntax (simple_query_string, query_string, match) over the fields' prefixes.
Xapian::Query parsed_query(const Xapian::Database& db, const SearchRequest& request,
                           const std::vector<std::string>& prefixes) {
  Xapian::QueryParser parser;
  parser.set_database(db);
  parser.set_default_op(Xapian::Query::OP_OR);
  for (const std::string& prefix : prefixes) parser.add_prefix("", prefix);  // unprefixed words search these
  if (!request.language.empty()) {
    parser.set_stemmer(stemmer_for(request.language));
    parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  }
  parser.set_max_expansion(kMaxExpansions, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  unsigned flags = 0;  // match: the words, any of them
  if (request.type == QueryType::SimpleQueryString || request.type == QueryType::QueryString)
    flags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
            Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
            Xapian::QueryParser::FLAG_PURE_NOT;
  try {
    return parser.parse_query(request.text, flags);
  } catch (const Xapian::QueryParserError& e) {
    throw SearchError("the search text '" + request.text + "' cannot be read: " + e.get_msg());
  }
}

// A term, prefix or fuzzy query over one field's prefix.
Xapian::Query word_query(const Xapian::Database& db, const SearchRequest& request, const std::string& prefix,
                         const Cancellation* stop) {
  switch (request.type) {
    case QueryType::Term:
      return Xapian::Query(prefix + request.text);
    case QueryType::Prefix:
      return Xapian::Query(Xapian::Query::OP_WILDCARD, prefix + lower(request.text), kMaxExpansions,
                           Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    default: {
      std::vector<Xapian::Query> words;
      for (const std::string& word : words_of(request.text))
        words.push_back(fuzzy_word(db, prefix, word, stop));
      return Xapian::Query(Xapian::Query::OP_OR, words.begin(), words.end());
    }
  }
}

Xapian::Query make_query(const Xapian::Database& db, const Store& store, const SearchRequest& request,
                         const Cancellation* stop) {
  const bool every_field = request.fields.empty() || std::find(request.fields.begin(), request.fields.end(),
                                                               "*") != request.fields.end();
  std::vector<std::string> prefixes;
  if (every_field) {
    for (TermId p : indexed_fields(db)) prefixes.push_back(field_prefix(p));
  } else {
    for (const std::string& field : request.fields)
      if (const auto p = store.find(Term::iri(field))) prefixes.push_back(field_prefix(*p));
  }
  if (prefixes.empty()) return Xapian::Query::MatchNothing;
  if (request.type != QueryType::Term && request.type != QueryType::Prefix &&
      request.type != QueryType::Fuzzy)
    return parsed_query(db, request, prefixes);
  std::vector<Xapian::Query> fields;
  for (const std::string& prefix : prefixes) fields.push_back(word_query(db, request, prefix, stop));
  return Xapian::Query(Xapian::Query::OP_OR, fields.begin(), fields.end());
}

std::vector<Hit> run(const Xapian::Database& db, const Store& store, const SearchRequest& request,
                     const Cancellation* stop) {
  Xapian::Enquire enquire(db);
  enquire.set_query(make_query(db, store, request, stop));
  enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
  const Xapian::MSet matches = enquire.get_mset(0, static_cast<Xapian::doccount>(request.max_results));
  std::vector<Hit> hits;
  for (auto m = matches.begin(); m != matches.end(); ++m) {
    if (request.min_score && m.get_weight() < *request.min_score) break;  // best first
    Hit hit{document_subject(m.get_document()), m.get_weight(), {}};
    if (request.with_matches)
      for (auto t = enquire.get_matching_terms_begin(m); t != enquire.get_matching_terms_end(m); ++t) {
        const auto field = parse_field_term(*t);
        if (!field) continue;
        auto at = std::find_if(hit.matches.begin(), hit.matches.end(),
                               [&](const FieldMatch& f) { return f.predicate == field->first; });
        if (at == hit.matches.end()) at = hit.matches.insert(at, FieldMatch{field->first, {}});
        at->terms.push_back(field->second);
      }
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace

std::optional<QueryType> query_type_named(std::string_view name) {
  if (name == "simple_query_string") return QueryType::SimpleQueryString;
  if (name == "query_string") return QueryType::QueryString;
  if (name == "match") return QueryType::Match;
  if (name == "prefix") return QueryType::Prefix;
  if (name == "fuzzy") return QueryType::Fuzzy;
  if (name == "term") return QueryType::Term;
  return std::nullopt;
}

std::vector<Hit> TextIndex::search(const SearchRequest& request, const Cancellation* stop,
                                   uint64_t* applied) const {
  // A reader of its own, so that searches run side by side; one that meets a commit (or the swap of a
  // rebuild) mid-way starts over on the newer state.
  for (int attempt = 0;; ++attempt) {
    if (stop) stop->check();
    try {
      Xapian::Database db(dir_.string());
      std::vector<Hit> hits = run(db, store_, request, stop);
      if (applied) *applied = applied_sequence(db);
      return hits;
    } catch (const Xapian::DatabaseModifiedError&) {
    } catch (const Xapian::DatabaseOpeningError& e) {
      // The index is made at the first text change: none yet means nothing to find, unless a read-only
      // store has statements from before there was an index.
      if (!std::filesystem::exists(dir_) && store_.change_sequence() == 0 &&
          !(store_.read_only() && !store_.empty())) {
        if (applied) *applied = 0;
        return {};
      }
      if (attempt >= 3) {
        if (store_.read_only() && !std::filesystem::exists(dir_))
          throw SearchError(
              "the store has no full-text index yet: open it for writing once (quiver fts rebuild)");
        throw SearchError("cannot open the full-text index: " + e.get_description());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } catch (const Xapian::Error& e) {
      if (attempt >= 3) throw SearchError("the full-text search failed: " + e.get_description());
    }
    if (attempt >= 3) throw SearchError("the full-text index kept changing during the search");
  }
}

}  // namespace quiver::fulltext
