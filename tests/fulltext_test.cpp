// The embedded full-text index: what each query type finds, and how the index follows the store (loads,
// updates, a writer killed before the index caught up, a change log trimmed past the index).
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "engine/database.h"
#include "fulltext/text_index.h"
#include "loader/loader.h"
#include "store/transaction.h"
#include "tests/support/load_text.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

using fulltext::QueryType;
using fulltext::SearchRequest;
using fulltext::TextIndex;
using Names = std::vector<std::string>;

const std::string kLabel = "http://www.w3.org/2004/02/skos/core#prefLabel";
const std::string kAbstract = "http://example.org/abstract";

std::string triple(const std::string& s, const std::string& p, const std::string& literal) {
  return "<http://ex/" + s + "> <" + p + "> " + literal + " .\n";
}

const std::string kData =
    triple("mi", kLabel, "\"Myocardial infarction\"@en") +
    triple("mi", kAbstract, "\"Death of heart muscle from a blocked artery, a heart attack.\"@en") +
    triple("stroke", kLabel, "\"Stroke\"@en") +
    triple("stroke", kAbstract,
           "\"A heart condition? No: an attack on the brain and its blood supply.\"@en") +
    triple("aspirin", kLabel, "\"Aspirin\"") +
    triple("aspirin", kAbstract, "\"Lowers the risk of myocardial infarctions\"@en") +
    "<http://ex/mi> <http://ex/code> \"I21\"^^<http://example.org/icd> .\n"
    "<http://ex/coded> <http://ex/code> \"I63\"^^<http://example.org/icd> .\n"  // no text: no document
    "<http://ex/mi> <http://ex/related> <http://ex/stroke> .\n";

SearchRequest ask(std::string text, QueryType type = QueryType::SimpleQueryString,
                  std::vector<std::string> fields = {}) {
  SearchRequest r;
  r.text = std::move(text);
  r.type = type;
  r.fields = std::move(fields);
  return r;
}
SearchRequest with(SearchRequest r, const std::function<void(SearchRequest&)>& change) {
  change(r);
  return r;
}

class FulltextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Store::open(dir_ / "db");
    load_text(*store_, dir_, "data.nt", kData);
    index_ = TextIndex::open(*store_, dir_ / "db" / "fulltext");
  }

  // The local names of the subjects found, best first.
  std::vector<std::string> found(SearchRequest request) {
    std::vector<std::string> names;
    for (const auto& hit : index_->search(request))
      names.push_back(store_->term(hit.subject)->value.substr(10));
    return names;
  }
  std::set<std::string> found_set(SearchRequest request) {
    const auto names = found(std::move(request));
    return {names.begin(), names.end()};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<TextIndex> index_;
};

TEST_F(FulltextTest, EachQueryTypeFindsWhatOpenSearchsQueryOfThatNameFinds) {
  using Set = std::set<std::string>;
  // simple_query_string (the default): any of the words; a phrase; a required and an excluded word.
  EXPECT_EQ(found_set(ask("infarction stroke")), (Set{"mi", "stroke"}));
  EXPECT_EQ(found_set(ask("\"heart attack\"")), (Set{"mi"}));
  EXPECT_EQ(found_set(ask("heart -brain")), (Set{"mi"}));
  EXPECT_EQ(found_set(ask("myoc*")), (Set{"mi", "aspirin"}));
  // match: words only, no syntax.
  EXPECT_EQ(found_set(ask("aspirin OR stroke", QueryType::Match)), (Set{"aspirin", "stroke"}));
  // prefix, fuzzy (one edit for a word of up to five letters, two beyond), term (exact, as indexed).
  EXPECT_EQ(found_set(ask("Infarc", QueryType::Prefix)), (Set{"mi", "aspirin"}));
  EXPECT_EQ(found_set(ask("myocardal", QueryType::Fuzzy)), (Set{"mi", "aspirin"}));
  EXPECT_EQ(found_set(ask("strake", QueryType::Fuzzy)), (Set{"stroke"}));
  EXPECT_EQ(found_set(ask("aspirin", QueryType::Term)), (Set{"aspirin"}));
  EXPECT_TRUE(found(ask("Aspirin", QueryType::Term)).empty());
  // Stemmed by the language asked for: "infarctions" is "infarction" in English.
  EXPECT_EQ(found_set(ask("infarctions", QueryType::Match)), (Set{"aspirin"}));
  EXPECT_EQ(
      found_set(with(ask("infarctions", QueryType::Match), [&](SearchRequest& r) { r.language = "en"; })),
      (Set{"mi", "aspirin"}));
}

TEST_F(FulltextTest, FieldsScoresAndLimits) {
  using Set = std::set<std::string>;
  EXPECT_EQ(found_set(ask("infarction", QueryType::SimpleQueryString, {kLabel})), (Set{"mi"}));
  EXPECT_EQ(found_set(ask("infarction", QueryType::SimpleQueryString, {kLabel, kAbstract})), (Set{"mi"}));
  EXPECT_EQ(found_set(ask("heart", QueryType::SimpleQueryString, {"*"})), (Set{"mi", "stroke"}));
  EXPECT_TRUE(found(ask("heart", QueryType::SimpleQueryString, {"http://ex/unknown"})).empty());
  // A typed literal is not text; neither is an IRI.
  EXPECT_TRUE(found(ask("I21")).empty());
  // Best first: two mentions of "heart" beat one.
  const auto hits = index_->search(ask("heart"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_EQ(found(ask("heart")).front(), "mi");
  EXPECT_EQ(found(with(ask("heart"), [&](SearchRequest& r) { r.max_results = 1; })), Names{"mi"});
  EXPECT_EQ(found(with(ask("heart"), [&](SearchRequest& r) { r.min_score = hits[0].score; })), Names{"mi"});
}

TEST_F(FulltextTest, UpdatesReachTheIndexOnceItCatchesUp) {
  {
    auto txn = store_->begin_transaction();
    txn->remove({*store_->find(Term::iri("http://ex/stroke")), *store_->find(Term::iri(kLabel)),
                 *store_->find(Term::lang("Stroke", "en"))});
    txn->insert({txn->intern(Term::iri("http://ex/tia")), txn->intern(Term::iri(kLabel)),
                 txn->intern(Term::lang("Transient ischemic attack (mini stroke)", "en"))});
    txn->commit(false);
  }
  index_->catch_up();
  EXPECT_EQ(found_set(ask("stroke", QueryType::SimpleQueryString, {kLabel})), std::set<std::string>{"tia"});
  const auto status = index_->status();
  EXPECT_EQ(status.applied_sequence, status.store_sequence);
  EXPECT_EQ(status.documents, 4u);
  // A subject that loses all its text leaves the index.
  {
    auto txn = store_->begin_transaction();
    const TermId tia = *store_->find(Term::iri("http://ex/tia"));
    txn->remove({tia, *store_->find(Term::iri(kLabel)),
                 *store_->find(Term::lang("Transient ischemic attack (mini stroke)", "en"))});
    txn->commit(false);
  }
  index_->catch_up();
  EXPECT_EQ(index_->status().documents, 3u);
}

TEST_F(FulltextTest, AnIndexBehindTheStoreCatchesUpWhenOpened) {
  // As if the process was killed after the store's commit and before the index's.
  index_.reset();
  load_text(*store_, dir_, "more.nt", triple("warfarin", kLabel, "\"Warfarin\""));
  index_ = TextIndex::open(*store_, dir_ / "db" / "fulltext");
  EXPECT_EQ(found(ask("warfarin")), Names{"warfarin"});
  // The log behind the index's checkpoint is gone: nothing else consumes it.
  EXPECT_FALSE(store_->read_changes(0, [](uint64_t, TermId) {}));
}

TEST_F(FulltextTest, AnIndexTheLogNoLongerReachesIsRebuilt) {
  index_.reset();
  load_text(*store_, dir_, "more.nt", triple("warfarin", kLabel, "\"Warfarin\""));
  load_text(*store_, dir_, "again.nt", triple("heparin", kLabel, "\"Heparin\""));
  // The log is trimmed past what the index applied (as by an index that recorded its checkpoint and was
  // then replaced by an older copy).
  store_->set_change_checkpoint("fulltext", store_->change_sequence());
  index_ = TextIndex::open(*store_, dir_ / "db" / "fulltext");
  EXPECT_EQ(found_set(ask("warfarin heparin aspirin")),
            (std::set<std::string>{"warfarin", "heparin", "aspirin"}));
  // And a missing index is made again from the store.
  index_.reset();
  std::filesystem::remove_all(dir_ / "db" / "fulltext");
  index_ = TextIndex::open(*store_, dir_ / "db" / "fulltext");
  EXPECT_EQ(index_->status().documents, 5u);
}

TEST_F(FulltextTest, AReadOnlyStoreSearchesTheIndexAsItIs) {
  index_.reset();
  store_.reset();
  StoreOptions read_only;
  read_only.read_only = true;
  store_ = Store::open(dir_ / "db", read_only);
  index_ = TextIndex::open(*store_, dir_ / "db" / "fulltext");
  EXPECT_EQ(found(ask("aspirin", QueryType::SimpleQueryString, {kLabel})), Names{"aspirin"});
  EXPECT_THROW(index_->rebuild(), fulltext::SearchError);
  auto missing = TextIndex::open(*store_, dir_ / "elsewhere");
  EXPECT_THROW(missing->search(ask("aspirin")), fulltext::SearchError);
}

// The rows of a SELECT, each its values in N-Triples-like text, separated by spaces.
class RowsSink : public query::ResultSink {
 public:
  void start_solutions(const std::vector<std::string>&) override {}
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::string row;
    for (const auto& v : values) row += (row.empty() ? "" : " ") + (v ? v->value : "UNDEF");
    rows.insert(row);
  }
  void boolean(bool) override {}
  void triple(const Term&, const Term&, const Term&) override {}
  void finish() override {}
  std::set<std::string> rows;
};

const std::string kFts = "PREFIX fts: <http://aws.amazon.com/neptune/vocab/v01/services/fts#>\n";

std::set<std::string> select(Database& db, const std::string& text) {
  RowsSink sink;
  db.query(kFts + text, {}, sink);
  return sink.rows;
}

TEST(FulltextSparql, NeptunesSearchServiceJoinsTheGraphAndSeesEveryWrite) {
  TempDir dir;
  auto db = Database::open(dir / "db");
  LoadOptions load;
  load.inputs = {write_file(dir / "data.nt", kData)};
  db->load(load);
  // Neptune's documented shape: the service binds ?c, the graph pattern goes on from it.
  const std::string by_label =
      "SELECT ?c ?other WHERE { SERVICE fts:search { fts:config fts:queryType 'match' . "
      "fts:config fts:field <" +
      kLabel +
      "> . fts:config fts:query 'infarction' . fts:config fts:return ?c . } "
      "?c <http://ex/related> ?other }";
  EXPECT_EQ(select(*db, by_label), (std::set<std::string>{"http://ex/mi http://ex/stroke"}));
  // The score, best first; the probe of a subject bound by the rest of the query.
  const auto scored = select(*db,
                             "SELECT ?c WHERE { ?c <http://ex/related> ?x . SERVICE fts:search { fts:config "
                             "fts:query 'heart' . fts:config fts:return ?c . fts:config fts:score ?s } "
                             "FILTER(?s > 0) }");
  EXPECT_EQ(scored, std::set<std::string>{"http://ex/mi"});
  // Read-your-writes: an update is searchable as soon as it returns.
  db->update("INSERT DATA { <http://ex/tia> <" + kLabel + "> \"Transient ischemic attack\"@en }", {});
  EXPECT_EQ(select(*db,
                   "SELECT ?c WHERE { SERVICE fts:search { fts:config fts:query 'ischemic' . fts:config "
                   "fts:return ?c } }"),
            std::set<std::string>{"http://ex/tia"});
  db->update("DELETE WHERE { <http://ex/tia> ?p ?o }", {});
  EXPECT_TRUE(select(*db,
                     "SELECT ?c WHERE { SERVICE fts:search { fts:config fts:query 'ischemic' . fts:config "
                     "fts:return ?c } }")
                  .empty());
  EXPECT_EQ(db->text_index_status().applied_sequence, db->text_index_status().store_sequence);
  // The values that matched, with their predicates: a row each (stemmed matches included).
  EXPECT_EQ(
      select(*db,
             "SELECT ?c ?m ?p WHERE { SERVICE fts:search { fts:config fts:query 'infarction' . "
             "fts:config fts:lang 'en' . fts:config fts:return ?c . fts:config fts:matched ?m . "
             "fts:config fts:predicate ?p } }"),
      (std::set<std::string>{"http://ex/mi Myocardial infarction " + kLabel,
                             "http://ex/aspirin Lowers the risk of myocardial infarctions " + kAbstract}));
  // Errors name the parameter; SILENT turns a failed search into no rows.
  EXPECT_THROW(select(*db, "SELECT * { SERVICE fts:search { fts:config fts:query 'x' } }"),
               query::QueryError);
  EXPECT_THROW(select(*db,
                      "SELECT * { SERVICE fts:search { fts:config fts:query 'x' . fts:config fts:return ?c . "
                      "fts:config fts:queryType 'nearest' } }"),
               query::QueryError);
  EXPECT_THROW(select(*db, "SELECT * { SERVICE <http://elsewhere/sparql> { ?s ?p ?o } }"), query::QueryError);
  for (const char* bad : {
           "fts:config fts:query 'x' . fts:config fts:return <http://ex/mi>",  // return names a variable
           "fts:config fts:query ?q . fts:config fts:return ?c",               // the text is a constant
           "fts:config fts:query 'x' . fts:config fts:return ?c . fts:config fts:maxResults 'ten'",
           "fts:config fts:query 'x' . fts:config fts:return ?c . fts:config fts:minScore -1",
           "fts:config fts:query 'x' . fts:config fts:return ?c . ?c ?p ?o",  // not a configuration
           "fts:config fts:query 'x' . fts:config fts:return ?c FILTER(?c != <http://ex/mi>)",
           "fts:config fts:query 'x' . fts:config fts:return ?c . fts:config fts:endpoint 'http://h:9200'",
       })
    EXPECT_THROW(select(*db, std::string("SELECT * { SERVICE fts:search { ") + bad + " } }"),
                 query::QueryError)
        << bad;
}

}  // namespace
}  // namespace quiver::testing
