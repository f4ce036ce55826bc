// The embedded full-text index (fulltext/): a Xapian database beside the store, one document per subject
// holding the text of its statements with a literal object, per predicate. It follows the store through
// the store's change log: catch_up() re-reads the subjects of every commit it has not applied and records
// the last applied sequence in the same Xapian commit, so a kill anywhere leaves an index that catches up
// by itself. The only public header of fulltext/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/cancellation.h"
#include "store/store.h"

namespace quiver::fulltext {

// Neptune's query types (OpenSearch's queries of those names).
enum class QueryType { SimpleQueryString, QueryString, Match, Prefix, Fuzzy, Term };
// The query type named `name` (Neptune's spelling), or nullopt.
std::optional<QueryType> query_type_named(std::string_view name);

struct SearchRequest {
  QueryType type = QueryType::SimpleQueryString;
  std::string text;
  // Predicate IRIs whose values are searched; empty, or "*" among them: every predicate.
  std::vector<std::string> fields;
  size_t max_results = 10'000;
  std::optional<double> min_score;
  // A language tag: the query's words are stemmed as the values of that language were.
  std::string language;
  bool with_matches = false;  // tell each hit's matched fields (Hit::matches)
};

// A field (predicate) of a hit's document that the search matched, and the terms of it that matched (as
// indexed: lower case, stemmed where the search stemmed).
struct FieldMatch {
  TermId predicate;
  std::vector<std::string> terms;
};

struct Hit {
  TermId subject;
  double score;                     // BM25, with Lucene's parameters (k1 1.2, b 0.75)
  std::vector<FieldMatch> matches;  // with SearchRequest::with_matches
};

// Whether a value of a hit's matched field holds one of the terms that matched (a field may hold several
// values, of which only some matched).
bool value_matches(const Term& literal, const FieldMatch& match);

struct IndexStatus {
  uint64_t documents = 0;
  uint64_t applied_sequence = 0;  // the last commit of the store the index reflects
  uint64_t store_sequence = 0;    // the store's last commit with text changes
};

class TextIndex {
 public:
  // Opens the index of `store` in `dir`, creating it when missing, and catches up with the store. With a
  // read-only store the index is only read (searches throw IndexMissing when there is none yet).
  static std::unique_ptr<TextIndex> open(Store& store, const std::filesystem::path& dir);
  ~TextIndex();
  TextIndex(const TextIndex&) = delete;
  TextIndex& operator=(const TextIndex&) = delete;

  // Applies the store's changes the index has not seen (after every commit); rebuilds when the change log
  // no longer reaches back to the index's last sequence. `progress` hears the subjects done so far.
  void catch_up(const std::function<void(uint64_t)>& progress = {});
  // Recreates the index from a snapshot of the store, then swaps it in.
  void rebuild(const std::function<void(uint64_t)>& progress = {});
  // The matching subjects, best first. Thread-safe; sees every commit catch_up() has applied. `applied`
  // receives the last store sequence the searched state reflects.
  std::vector<Hit> search(const SearchRequest& request, const Cancellation* stop = nullptr,
                          uint64_t* applied = nullptr) const;
  IndexStatus status() const;

 private:
  TextIndex(Store& store, std::filesystem::path dir);
  void rebuild_in_turn(const std::function<void(uint64_t)>& progress);  // holding writer_mutex_
  class Writer;
  Writer& writer();  // opened (or created) at the first need; holding writer_mutex_

  Store& store_;
  std::filesystem::path dir_;
  std::mutex writer_mutex_;  // catch_up and rebuild take turns
  std::unique_ptr<Writer> writer_;
};

// A search the index cannot answer: a query the parser refuses, no index in a read-only store.
class SearchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace quiver::fulltext
