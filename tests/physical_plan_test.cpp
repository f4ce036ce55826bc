// The physical plan (query/physical_plan.h): an operator per node of the algebra, made before the query
// runs; EXPLAIN shows it without running (estimates and the planner's choices) and after a run (rows, time
// and the alternative each operator took), from the same tree.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "loader/loader.h"
#include "query/query.h"
#include "tests/support/memory_file.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

class PhysicalPlanTest : public ::testing::Test {
 protected:
  PhysicalPlanTest() {
    std::string text;
    for (int i = 0; i < 300; ++i) {
      text +=
          "<http://e/s" + std::to_string(i) + "> <http://e/p> <http://e/o" + std::to_string(i % 7) + "> .\n";
      text +=
          "<http://e/t" + std::to_string(i) + "> <http://e/q> <http://e/o" + std::to_string(i % 5) + "> .\n";
    }
    for (int i = 0; i < 20; ++i)
      text += "<http://e/s" + std::to_string(i) + "> <http://e/date> \"2020-01-" + (i < 9 ? "0" : "") +
              std::to_string(i + 1) + "\"^^<http://www.w3.org/2001/XMLSchema#date> <http://e/g" +
              std::to_string(i % 2) + "> .\n";
    store_ = Store::open(dir_ / "db");
    LoadOptions options;
    options.inputs = {write_file(dir_ / "data.nq", text)};
    load(*store_, options);
  }

  // The plan of `query` (with the prefix e:), run (EXPLAIN) or not (EXPLAIN without running).
  std::string plan(const std::string& query, bool run) {
    std::string plan;
    query::QueryOptions options;
    options.plan = &plan;
    options.plan_only = !run;
    options.union_default_graph = true;
    MemoryFile out;
    auto writer = query::make_result_writer(query::ResultFormat::Csv, out.get());
    query::run_query(*store_, "PREFIX e: <http://e/> " + query, options, *writer);
    return plan;
  }

  // Each line up to its estimated rows: without the cost the plan shows before a run, and what the run adds.
  static std::string shape(const std::string& plan) {
    std::string out;
    std::istringstream lines(plan);
    for (std::string line; std::getline(lines, line);) {
      for (const char* after : {"  cost", "  rows", "  not run"}) line = line.substr(0, line.find(after));
      out += line + "\n";
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(PhysicalPlanTest, EveryKindOfNodeHasAnOperatorInThePlanMadeWithoutRunning) {
  const std::string text = plan(R"(SELECT REDUCED ?a ?n WHERE {
      VALUES ?k { 1 2 }
      { ?a e:p ?b } UNION { ?a e:q ?b }
      OPTIONAL { ?a e:date ?d }
      MINUS { ?a e:p e:o3 }
      GRAPH ?g { ?x e:date ?y }
      ?a e:p/e:r* ?z
      BIND(1 AS ?one)
      FILTER(?k > 0 && NOT EXISTS { ?a e:q e:o1 })
      { SELECT ?b (COUNT(*) AS ?n) { ?s e:p ?b } GROUP BY ?b ORDER BY ?b LIMIT 3 }
      { SELECT DISTINCT ?b { ?s e:q ?b } }
      OPTIONAL { }
    })",
                                false);
  for (const char* op :
       {"Reduced", "Project ?a ?n", "Optional", "Bind ?one", "Minus", "Filter (1 conditions)", "NOT EXISTS",
        "Join", "Values ?k (2 rows)", "Path ?a ... ?z", "Union", "Slice offset 0 limit 3",
        "Order by (1 keys)", "Group by ?b (1 aggregates)", "Graph ?g", "Distinct", "BGP", "Unit"})
    EXPECT_NE(text.find(op), std::string::npos) << op << "\n" << text;
  EXPECT_EQ(text.find("  rows "), std::string::npos) << text;
  EXPECT_EQ(text.find("not run"), std::string::npos) << text;
  // Every operator's line has its estimated rows and cost.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("est ") != std::string::npos) {
      EXPECT_NE(line.find("  cost "), std::string::npos) << text;
    }
  }
}

TEST_F(PhysicalPlanTest, WithoutRunningThePlanShowsTheAlternativesTheOperatorsMayTake) {
  // Two patterns with 300 matches each, joined on a variable of few values: opened alone, the BGP is
  // split into a hash join.
  const std::string split = plan("SELECT * { ?a e:p ?b . ?c e:q ?b }", false);
  EXPECT_NE(split.find("opened alone: hash joins"), std::string::npos) << split;
  EXPECT_NE(split.find("Join"), std::string::npos) << split;
  // ORDER BY a date under LIMIT: the top rows kept while sorting, or the index read in the dates' order.
  const std::string top = plan("SELECT ?s ?d { ?s e:date ?d . ?s e:p ?o } ORDER BY DESC(?d) LIMIT 3", false);
  EXPECT_NE(top.find("the top rows of its order"), std::string::npos) << top;
  EXPECT_NE(top.find("read in the index's order"), std::string::npos) << top;
  // The shortcuts of one pattern's objects.
  EXPECT_NE(plan("SELECT DISTINCT ?o { ?s e:p ?o }", false).find("index skip-scan"), std::string::npos);
  EXPECT_NE(
      plan("SELECT ?o (COUNT(*) AS ?n) { ?s e:p ?o } GROUP BY ?o", false).find("counting the index's runs"),
      std::string::npos);
}

TEST_F(PhysicalPlanTest, AfterARunEachOperatorOfTheSamePlanHasItsRowsAndTime) {
  const std::string query =
      "SELECT ?a (COUNT(*) AS ?n) { ?a e:p ?b OPTIONAL { ?a e:date ?d } FILTER(?b != e:o1) } GROUP BY ?a";
  const std::string before = plan(query, false), after = plan(query, true);
  EXPECT_EQ(shape(after), shape(before));
  std::istringstream lines(after);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("est ") == std::string::npos) continue;  // a pattern's line
    EXPECT_NE(line.find("  rows "), std::string::npos) << after;
    EXPECT_NE(line.find(" ms"), std::string::npos) << after;
  }
  // 300 rows of e:p less the 43 of e:o1, one group per subject.
  EXPECT_NE(after.find("Group by ?a (1 aggregates)"), std::string::npos) << after;
  EXPECT_NE(after.substr(after.find("Group by")).find("rows 257"), std::string::npos) << after;
}

TEST_F(PhysicalPlanTest, AfterARunTheAlternativeTakenReplacesTheOthers) {
  const std::string split = plan("SELECT * { ?a e:p ?b . ?c e:q ?b }", true);
  EXPECT_NE(split.find("[split into hash joins]"), std::string::npos) << split;
  EXPECT_EQ(split.find("opened alone"), std::string::npos) << split;
  const std::string top = plan("SELECT ?s ?d { ?s e:date ?d . ?s e:p ?o } ORDER BY DESC(?d) LIMIT 3", true);
  EXPECT_EQ(top.find("read in the index's order"), std::string::npos) << top;  // the dates are in two graphs
  EXPECT_NE(top.find("[top-k: keeps 3 rows]"), std::string::npos) << top;
}

}  // namespace
}  // namespace quiver::testing
