// The whole-query join order (query/join_order.cpp): the selective operand of a group drives whatever its
// kind, operators move only where the algebra allows, and every plan gives the answers the query asks for.
#include <gtest/gtest.h>

#include "loader/loader.h"
#include "query/query.h"
#include "tests/support/memory_file.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

// Students s0..s1999 in classes e:A (odd) and e:B (even), with score i; each takes one of 500 courses and
// has one of 40 advisors, who each teach one course.
std::string university() {
  std::string nt;
  auto triple = [&](const std::string& s, const std::string& p, const std::string& o) {
    nt += "<http://e/" + s + "> <http://e/" + p + "> <http://e/" + o + "> .\n";
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string s = "s" + std::to_string(i);
    triple(s, "type", i % 2 ? "A" : "B");
    triple(s, "takes", "c" + std::to_string(i % 500));
    triple(s, "advisor", "p" + std::to_string(i % 40));
    nt += "<http://e/" + s + "> <http://e/score> \"" + std::to_string(i) +
          "\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n";
  }
  for (int p = 0; p < 40; ++p) triple("p" + std::to_string(p), "teaches", "c" + std::to_string(p * 7));
  return nt;
}

class JoinOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Store::open(dir_ / "db");
    LoadOptions options;
    options.inputs = {write_file(dir_ / "data.nt", university())};
    load(*store_, options);
  }

  // The query's solutions as CSV; its plan, after running, in `plan_`.
  std::string run(const std::string& where, const std::string& select, const std::string& tail = "") {
    MemoryFile out;
    auto writer = query::make_result_writer(query::ResultFormat::Csv, out.get());
    query::QueryOptions options;
    plan_.clear();
    options.plan = &plan_;
    query::run_query(*store_, "PREFIX e: <http://e/> " + select + " WHERE { " + where + " } " + tail, options,
                     *writer);
    return out.text();
  }

  // Whether `first` appears in the plan before `second`.
  bool before(const std::string& first, const std::string& second) const {
    const size_t a = plan_.find(first), b = plan_.find(second);
    return a != std::string::npos && b != std::string::npos && a < b;
  }

  // The first line of the plan that contains `text`.
  std::string line_of(const std::string& text) const {
    const size_t at = plan_.find(text);
    if (at == std::string::npos) return "";
    return plan_.substr(at, plan_.find('\n', at) - at);
  }

  // The line of the BGP operator that holds the first triple pattern containing `pattern`.
  std::string bgp_line_of(const std::string& pattern) const {
    const size_t at = plan_.find(pattern);
    if (at == std::string::npos) return "";
    const size_t end = plan_.rfind('\n', at), start = plan_.rfind('\n', end - 1) + 1;
    return plan_.substr(start, end - start);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::string plan_;
};

TEST_F(JoinOrderTest, SelectivePatternDrivesAUnionOfTypes) {
  EXPECT_EQ(run("{ ?x e:type e:A } UNION { ?x e:type e:B } ?x e:takes e:c7", "SELECT ?x", "ORDER BY ?x"),
            "x\r\nhttp://e/s1007\r\nhttp://e/s1507\r\nhttp://e/s507\r\nhttp://e/s7\r\n");
  EXPECT_TRUE(before("?x <http://e/takes> <http://e/c7>", "Union")) << plan_;
  // The UNION runs once per row of the pattern, with ?x bound: a handful of rows, not 2,000.
  EXPECT_NE(line_of("Union").find("rows 4 (opened 4x)"), std::string::npos) << plan_;
}

TEST_F(JoinOrderTest, RangeFilterMakesItsPatternDriveWhenThatIsLessWork) {
  // Starting from the 40 teachers (the smallest pattern) reaches all 2,000 students before the score
  // filter keeps 50; starting from the 50 scores in range, every later step keeps 50 rows.
  EXPECT_EQ(
      run("?p e:teaches ?c . ?x e:advisor ?p . ?x e:score ?y FILTER(?y >= 1950)", "SELECT (COUNT(*) AS ?n)"),
      "n\r\n50\r\n");
  EXPECT_TRUE(before("<http://e/score>", "<http://e/teaches>")) << plan_;
  EXPECT_TRUE(before("<http://e/advisor>", "<http://e/teaches>")) << plan_;
}

TEST_F(JoinOrderTest, FilterRunsRightAfterThePatternThatBindsItsVariables) {
  // The teachers' courses (40 rows) are filtered to one before their 2,000 advisees join, not after.
  EXPECT_EQ(
      run("?x e:advisor ?p . ?p e:teaches ?c FILTER(STRENDS(STR(?c), \"/c14\"))", "SELECT (COUNT(*) AS ?n)"),
      "n\r\n50\r\n");
  EXPECT_TRUE(before("Filter", "?p <http://e/teaches> ?c")) << plan_;
  EXPECT_TRUE(before("?p <http://e/teaches> ?c", "?x <http://e/advisor> ?p")) << plan_;
  EXPECT_NE(line_of("Filter").find("rows 1"), std::string::npos) << plan_;
}

TEST_F(JoinOrderTest, TriangleUnderUnionsStartsFromTheSmallestPattern) {
  EXPECT_EQ(run("{ ?x e:type e:A } UNION { ?x e:type e:B } ?x e:advisor ?p . ?p e:teaches ?c . ?x e:takes ?c",
                "SELECT (COUNT(*) AS ?n)"),
            "n\r\n8\r\n");
  EXPECT_TRUE(before("?p <http://e/teaches> ?c", "Union")) << plan_;
}

TEST_F(JoinOrderTest, SelectivePatternMovesIntoTheLeftSideOfAnOptional) {
  EXPECT_EQ(
      run("?x e:type e:A OPTIONAL { ?x e:advisor ?p } ?x e:takes e:c7", "SELECT ?x ?p", "ORDER BY ?x"),
      "x,p\r\nhttp://e/s1007,http://e/p7\r\nhttp://e/s1507,http://e/p27\r\nhttp://e/s507,http://e/p27\r\n"
      "http://e/s7,http://e/p7\r\n");
  EXPECT_TRUE(before("Optional", "?x <http://e/takes> <http://e/c7>")) << plan_;
}

TEST_F(JoinOrderTest, NestedOptionalRunsWithTheRowsBindingsSubstituted) {
  // The outer OPTIONAL's condition keeps the inner one nested (see the next test).
  EXPECT_EQ(run("?x e:takes e:c7 OPTIONAL { ?x e:advisor ?p OPTIONAL { ?p e:teaches ?c } FILTER(true) }",
                "SELECT (COUNT(?p) AS ?n) (COUNT(?c) AS ?t)"),
            "n,t\r\n4,4\r\n");
  // A bind join: the OPTIONAL runs once per row of the pattern, with ?x bound, instead of whole and hashed.
  const size_t inner = plan_.find("Optional", plan_.find("Optional") + 1);
  ASSERT_NE(inner, std::string::npos) << plan_;
  const std::string line = plan_.substr(inner, plan_.find('\n', inner) - inner);
  EXPECT_NE(line.find("opened 4x"), std::string::npos) << plan_;
  EXPECT_EQ(line.find("hash join"), std::string::npos) << plan_;
}

TEST_F(JoinOrderTest, NestedOptionalIsFlattenedIntoOneStream) {
  EXPECT_EQ(run("?x e:takes e:c7 OPTIONAL { ?x e:advisor ?p OPTIONAL { ?p e:teaches ?c } }",
                "SELECT (COUNT(?p) AS ?n) (COUNT(?c) AS ?t)"),
            "n,t\r\n4,4\r\n");
  // (L OPTIONAL A) OPTIONAL B over the rows binding ?p: each pattern is looked up once per row reaching it.
  EXPECT_TRUE(before("Optional (of rows binding ?p)", "?x <http://e/advisor> ?p")) << plan_;
  for (const char* pattern : {"?x <http://e/advisor> ?p", "?p <http://e/teaches> ?c"}) {
    const std::string line = bgp_line_of(pattern);
    EXPECT_NE(line.find("opened 4x"), std::string::npos) << pattern << "\n" << plan_;
    EXPECT_EQ(line.find("hash join"), std::string::npos) << pattern << "\n" << plan_;
  }
}

TEST_F(JoinOrderTest, SequentialOptionalsAddingFewerRowsRunFirst) {
  // Both OPTIONALs read only ?p besides their own variables: the one-course one runs before the one that
  // adds fifty advisees per professor.
  EXPECT_EQ(run("?p e:teaches ?c OPTIONAL { ?s e:advisor ?p } OPTIONAL { ?p e:teaches ?c2 }",
                "SELECT (COUNT(*) AS ?n) (COUNT(?s) AS ?a) (COUNT(?c2) AS ?t)"),
            "n,a,t\r\n2000,2000,2000\r\n");
  EXPECT_TRUE(before("?p <http://e/teaches> ?c2", "?s <http://e/advisor> ?p")) << plan_;
  // These two share ?s, which only the first binds: they keep their order.
  EXPECT_EQ(run("?p e:teaches ?c OPTIONAL { ?s e:advisor ?p } OPTIONAL { ?s e:takes ?c2 }",
                "SELECT (COUNT(*) AS ?n) (COUNT(?c2) AS ?t)"),
            "n,t\r\n2000,2000\r\n");
  EXPECT_TRUE(before("?s <http://e/advisor> ?p", "?s <http://e/takes> ?c2")) << plan_;
}

TEST_F(JoinOrderTest, OptionalStaysWhereItsFilterReadsALaterVariable) {
  // ?c is bound by the pattern after the OPTIONAL, so the OPTIONAL's filter sees it unbound (an error):
  // the OPTIONAL never matches, whatever order the patterns run in.
  EXPECT_EQ(run("?x e:takes e:c7 OPTIONAL { ?x e:advisor ?p FILTER(?c = e:c7) } ?x e:takes ?c",
                "SELECT (COUNT(?p) AS ?n) (COUNT(*) AS ?all)"),
            "n,all\r\n0,4\r\n");
}

TEST_F(JoinOrderTest, FilterOnABindSeesIt) {
  EXPECT_EQ(run("BIND(e:c7 AS ?c) ?x e:takes ?c FILTER(?c = e:c7)", "SELECT (COUNT(*) AS ?n)"), "n\r\n4\r\n");
  EXPECT_EQ(run("?x e:takes e:c7 BIND(1 AS ?one) ?x e:type e:A FILTER(?one = 1)", "SELECT (COUNT(*) AS ?n)"),
            "n\r\n4\r\n");
}

TEST_F(JoinOrderTest, NotExistsWaitsForTheVariablesItsInnerFilterReads) {
  // The NOT EXISTS pattern names only ?x, but its FILTER reads ?p, which the last pattern binds: the
  // outer FILTER runs once ?p is bound (SPARQL 1.1 section 18.6 substitutes it at every depth).
  EXPECT_EQ(run("?x e:takes e:c7 FILTER NOT EXISTS { ?x e:type e:A FILTER(?p != e:p7) } ?x e:advisor ?p",
                "SELECT ?x", "ORDER BY ?x"),
            "x\r\nhttp://e/s1007\r\nhttp://e/s7\r\n");
}

TEST_F(JoinOrderTest, FilterInsideAnOptionalsLeftSideDoesNotSeeItsRightSide) {
  // { ?x takes c7 FILTER(!BOUND(?p)) } OPTIONAL { ?x advisor ?p }: the filter runs before ?p is bound.
  EXPECT_EQ(run("{ { ?x e:takes e:c7 FILTER(!BOUND(?p)) } OPTIONAL { ?x e:advisor ?p } } ?x e:type e:B",
                "SELECT (COUNT(?p) AS ?n)"),
            "n\r\n0\r\n");
}

TEST_F(JoinOrderTest, MinusMovesAboveTheGroupOnlyWhenItSharesNoOtherVariable) {
  EXPECT_EQ(run("?x e:type e:A MINUS { ?x e:advisor e:p7 } ?x e:takes e:c7", "SELECT ?x", "ORDER BY ?x"),
            "x\r\nhttp://e/s1507\r\nhttp://e/s507\r\n");
  // ?p, which the MINUS reads, is bound (to a course) only by the pattern after it: the MINUS compares the
  // first pattern's rows on ?x alone, and removes them all.
  EXPECT_EQ(run("?x e:takes e:c7 MINUS { ?x e:advisor ?p } ?x e:takes ?p", "SELECT (COUNT(*) AS ?n)"),
            "n\r\n0\r\n");
}

}  // namespace
}  // namespace quiver::testing
