// The lowering step: what it rewrites, what it must leave alone, and that the rebuilt operators evaluate.
#include <gtest/gtest.h>

#include <thread>

#include "loader/loader.h"
#include "query/frontend.h"
#include "query/lowering.h"
#include "query/query.h"
#include "tests/support/memory_file.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

using query::lower;
using query::PathExpr;

// Each thread has its own Rasqal world, freed when the thread ends: a query that released a reference it did
// not own would crash the process there, long after the query.
TEST(Frontend, ConstantGroupKeysLeaveTheParserIntact) {
  std::thread parse([] {
    for (int i = 0; i < 50; ++i) {
      EXPECT_THROW(query::parse_query("PREFIX x: <http://e/#> SELECT ?i WHERE { ?s ?p ?o } GROUP BY (x:ii)"),
                   query::QueryError);
      query::parse_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY (1) ((<http://e/i>))");
      EXPECT_THROW(
          query::parse_query("SELECT ?n { { SELECT (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY (\"a\") } }"),
          query::QueryError);
    }
  });
  parse.join();
}

TEST(Lowering, LiftsTheIrisOfTriplePatterns) {
  const auto lifted = query::lift_pattern_constants(
      "PREFIX ex: <http://e/> SELECT * WHERE { <http://e/s> ex:p ?o ; <http://e/q> ex:s . "
      "GRAPH <http://e/g> { ?o ?p <http://e/s> } }");
  ASSERT_TRUE(lifted);
  EXPECT_EQ(lifted->text,
            "PREFIX ex: <http://e/> SELECT * WHERE { <urn:quiver:parameter:0> <urn:quiver:parameter:1> ?o ; "
            "<urn:quiver:parameter:2> <urn:quiver:parameter:0> . GRAPH <urn:quiver:parameter:3> { ?o ?p "
            "<urn:quiver:parameter:0> } }");
  EXPECT_EQ(lifted->values,
            (std::vector<std::string>{"http://e/s", "http://e/p", "http://e/q", "http://e/g"}));
}

TEST(Lowering, LiftsTheStringsOfTriplePatterns) {
  const auto lifted = query::lift_pattern_constants(
      "SELECT * WHERE { ?s ?p \"cardiac\"@en , '''x''' , \"http://e/a\" , <http://e/a> , \"1\"^^<http://e/t> "
      ", "
      "\"a\\\"b\" , \"cardiac\" }");
  ASSERT_TRUE(lifted);
  EXPECT_EQ(lifted->text,
            "SELECT * WHERE { ?s ?p \"urn:quiver:parameter:0\"@en , \"urn:quiver:parameter:1\" , "
            "\"urn:quiver:parameter:2\" , <urn:quiver:parameter:3> , \"1\"^^<http://e/t> , \"a\\\"b\" , "
            "\"urn:quiver:parameter:0\" }");
  EXPECT_EQ(lifted->values, (std::vector<std::string>{"cardiac", "x", "http://e/a", "http://e/a"}));
}

// Constants whose value the parse may look at, or rewrite, stay in the text: then only queries that hold the
// same ones share a template.
TEST(Lowering, LeavesConstantsThatAreNotPatternTerms) {
  for (const char* text : {
           "SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }",                 // dataset
           "SELECT * WHERE { ?s ?p ?o FILTER(?o = <http://e/o>) }",         // expression
           "SELECT * WHERE { ?s ?p \"1\"^^<http://e/t> }",                  // datatype
           "SELECT * WHERE { SERVICE <http://e/x> { ?s ?p ?o } }",          // service
           "SELECT * WHERE { SERVICE SILENT <http://e/x> { ?s ?p ?o } }",   // service
           "SELECT * WHERE { ?s ?p ?o FILTER <http://e/f>(?o) }",           // function
           "SELECT * WHERE { <s> ?p ?o }",                                  // relative
           "SELECT * WHERE { <http://e/a/../s> ?p ?o }",                    // dot segments
           "SELECT * WHERE { <http://e/\\u0073> ?p ?o }",                   // escape
           "SELECT * WHERE { ?s ?p [ <http://e/q> ?o ] }",                  // blank node's properties
           "SELECT * WHERE { ?s ?p ?o . ?s <urn:quiver:parameter:0> ?o }",  // the reserved name itself
           "DESCRIBE <http://e/s>",                                         // outside a group
           "PREFIX e: <e/> SELECT * WHERE { e:s ?p ?o }",                   // relative prefix
           "PREFIX e: <http://e/> SELECT * WHERE { e:s%20 ?p ?o }",         // percent-encoded
           "PREFIX e: <http://e/> SELECT * WHERE { e:s\\.x ?p ?o }",        // escaped
           "PREFIX e: <http://e/> PREFIX e: <http://f/> SELECT * WHERE { e:s ?p ?o }",   // declared twice
           "SELECT * WHERE { ?s ?p ?o . ?s e:p ?o }",                                    // undeclared
           "PREFIX q: <urn:quiver:> SELECT * WHERE { ?s <http://e/p> q:parameter:0 }",   // spells a parameter
           "PREFIX q: <urn:> SELECT * WHERE { ?s <http://e/p> ?o }",                     // could spell one
           "SELECT * WHERE { ?s <http://e/p> ?o FILTER(?o = \"urn:quiver:\\u0070\") }",  // by an escape
           "BASE <urn:> SELECT * WHERE { ?s <http://e/p> <./x> }",                       // by a base
           "SELECT * WHERE { ?s ?p \"a\nb\" }",                                          // a raw line feed
           "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p e:a\xC3\x97"
           "b }",                                                                    // not ASCII
           "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p ?o } VALUES ?o { e:a:b }",  // a colon
           "SELECT * WHERE { ?s ?p ?o /* } */ . ?s <http://e/p> ?o }",               // Rasqal's comment
           "SELECT * WHERE { ?s <http://e/p> \"\xFF\" }",                            // not UTF-8
       })
    EXPECT_FALSE(query::lift_pattern_constants(text)) << text;
}

TEST(Lowering, NamesConstantGroupKeysOnly) {
  EXPECT_EQ(
      lower("SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s (1) (STR(?o)) (2 AS ?k) STR(?p) (<i>) HAVING (1) (2)")
          .text,
      "SELECT ?s WHERE { ?s ?p ?o     } GROUP BY ?s (1 AS ?__quiver_key0 ) (STR(?o)) (2 AS ?k) STR(?p) "
      "(<i> AS ?__quiver_key1 ) HAVING (1) (2)");
}

TEST(Lowering, SetsApartWhatRasqalWouldLexDifferently) {
  // The lowered text, its runs of spaces (where helpers would go) made one.
  auto lowered = [](const std::string& text) {
    std::string out;
    for (char c : lower(text).text)
      if (c != ' ' || out.empty() || out.back() != ' ') out += c;
    return out;
  };
  // Every sign of a signed number in an expression, also after a sign, a keyword or a bare word: Rasqal's
  // parser overflows a buffer on some chains of them.
  EXPECT_EQ(lowered("SELECT (-5*--5-4 AS ?x) {}"), "SELECT (- 5*-- 5- 4 AS ?x) { }");
  EXPECT_EQ(lowered("SELECT (false-5+x-1 AS ?x) {}"), "SELECT (false- 5+x- 1 AS ?x) { }");
  // A prefixed name and a language tag keep their '-'.
  EXPECT_EQ(lowered("SELECT (ex:a-5 AS ?x) {}"), "SELECT (ex:a-5 AS ?x) {}");
  EXPECT_EQ(lowered("SELECT (\"a\"@en-5 AS ?x) {}"), "SELECT (\"a\"@en-5 AS ?x) {}");
  // A local name starts with neither '-' nor '.': "ex:-5" is the name "ex:" and a signed number.
  EXPECT_EQ(lowered("SELECT (ex:-5-5 AS ?x) {}"), "SELECT (ex:- 5- 5 AS ?x) { }");
  // A '<' that is not an IRI is the operator, also where Rasqal would read an IRI up to a later '>'.
  EXPECT_EQ(lowered("SELECT (1 <2 && 3> 2 AS ?x) {}"), "SELECT (1 < 2 && 3> 2 AS ?x) { }");
  EXPECT_EQ(lowered("SELECT (<a> AS ?x) {}"), "SELECT (<a> AS ?x) {}");
}

TEST(Lowering, LeavesQueriesWithoutPathsOrExistsUnchanged) {
  for (const char* q : {"SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { <a><b>+1.0e+1 }",
                        "SELECT * { ?s <p> ?o FILTER(?o > 1 && ?o < 9) } ORDER BY ?o",
                        "CONSTRUCT { ?s <p> ?o } WHERE { ?s <q> ?o }", "ASK { ?s a <C> ; <p> \"a/b*c\" }"}) {
    auto l = lower(q);
    EXPECT_EQ(l.text, q);
    EXPECT_TRUE(l.paths.empty());
  }
}

// What Rasqal accepts but SPARQL forbids is refused with a position; the valid neighbours still pass.
TEST(Lowering, SetsSignsApartInTextItDoesNotUnderstand) {
  // A group inside the projection makes the WHERE clause unclear to the lowering; Rasqal still gets every
  // signed number's sign apart (its parser crashes on some chains of them, valid query or not).
  auto l = lower("SELECT (+1+2 EXISTS{?s ?p ?o}) WHERE { }");
  EXPECT_NE(l.text.find("+ 1+ 2"), std::string::npos) << l.text;
}

TEST(Lowering, ChecksBlankLabelScopeBindScopeAndProjections) {
  struct Case {
    const char* query;
    int line, column;  // of the error; 0 when the query is valid
  };
  const Case cases[] = {
      {"SELECT * { _:a <p> ?v .\n OPTIONAL { _:a <q> 1 } }", 2, 13},
      {"SELECT * { _:a <p> ?v FILTER(?v) _:a <q> 1 }", 0, 0},  // a filter does not end the pattern
      {"SELECT * { _:a <p> ?v . { _:b <q> 1 } }", 0, 0},
      {"SELECT * { <a> <b> ?x FILTER(_:x) }", 1, 30},
      {"SELECT * { ?s <p> ?o .\n BIND(1 AS ?o) }", 2, 12},
      {"SELECT * { { ?s <p> ?o } UNION { ?s <q> ?z } BIND(1 AS ?z) }", 1, 56},
      {"SELECT * { ?s <p> ?o FILTER(?z) BIND(1 AS ?z) }", 0, 0},  // a filter puts nothing in scope
      {"SELECT * { ?s <p> ?o MINUS { ?s <q> ?z } BIND(1 AS ?z) }", 0, 0},
      {"SELECT * { { SELECT ?s { ?s <p> ?z } } BIND(1 AS ?z) }", 0, 0},  // ?z is not projected
      {"SELECT * { { SELECT * { ?s <p> ?z } } BIND(1 AS ?z) }", 1, 49},
      {"SELECT (1 AS ?x) (2 AS ?x) {}", 1, 24},
      {"SELECT ?x (2 AS ?x) { ?x <p> 1 }", 1, 17},
      // (expr AS ?x) needs an ?x its WHERE clause leaves out of scope, a sub-SELECT's projection included
      {"SELECT (1 AS ?x) { { SELECT (2 AS ?x) {} } }", 1, 14},
      {"SELECT (1 AS ?x) { ?s <p> ?o OPTIONAL { ?s <q> ?x } }", 1, 14},
      {"SELECT * { { SELECT (1 AS ?x) { ?s <p> ?x } } }", 1, 27},
      {"SELECT (1 AS ?x) { ?s <p> ?o MINUS { ?s <q> ?x } }", 0, 0},
      {"SELECT (1 AS ?x) { ?s <p> ?o FILTER(?x) }", 0, 0},
      {"SELECT (1 AS ?x) { { SELECT ?s { ?s <p> ?x } } }", 0, 0},
  };
  for (const Case& c : cases) {
    if (c.line == 0) {
      EXPECT_NO_THROW(lower(c.query)) << c.query;
      continue;
    }
    try {
      lower(c.query);
      ADD_FAILURE() << "accepted: " << c.query;
    } catch (const query::QueryError& e) {
      EXPECT_EQ(e.line, c.line) << c.query << ": " << e.what();
      EXPECT_EQ(e.column, c.column) << c.query << ": " << e.what();
    }
  }
}

// Rasqal misreads prefixed names with escapes, colons or leading digits: they reach it as full IRIs.
TEST(Lowering, ExpandsPrefixedNamesRasqalMisreads) {
  auto l = lower("PREFIX : <http://e/> SELECT * { :a :b%3D :c\\~z\\. . :d :e :f:g . :h :i :123 }");
  EXPECT_NE(l.text.find(":a <http://e/b%3D> <http://e/c~z.> ."), std::string::npos) << l.text;
  EXPECT_NE(l.text.find("<http://e/f:g>"), std::string::npos) << l.text;
  EXPECT_NE(l.text.find("<http://e/123>"), std::string::npos) << l.text;
  EXPECT_THROW(lower("PREFIX : <http://e/> SELECT * { :a :b :c\\:z }"), query::QueryError);
}

TEST(Lowering, ParsesPathStructure) {
  auto l = lower("PREFIX : <http://e/> SELECT * { ?s (:a/^:b)|:c* ?o . ?x !(:d|^:e) ?y ; :f? ?z }");
  ASSERT_EQ(l.paths.size(), 3u);
  const PathExpr& alt = l.paths[0];
  ASSERT_EQ(alt.kind, PathExpr::Kind::Alternative);
  ASSERT_EQ(alt.args.size(), 2u);
  EXPECT_EQ(alt.args[0].kind, PathExpr::Kind::Sequence);
  EXPECT_EQ(alt.args[0].args[1].kind, PathExpr::Kind::Inverse);
  EXPECT_EQ(alt.args[1].kind, PathExpr::Kind::ZeroOrMore);
  ASSERT_EQ(l.paths[1].kind, PathExpr::Kind::Negated);
  EXPECT_EQ(l.paths[1].negated.size(), 2u);
  EXPECT_TRUE(l.paths[1].negated[1].second);
  EXPECT_EQ(l.paths[2].kind, PathExpr::Kind::ZeroOrOne);
  EXPECT_NE(l.text.find("<urn:quiver:path:0>"), std::string::npos);
  EXPECT_NE(l.text.find("GRAPH <urn:quiver:path:2>"), std::string::npos);
}

TEST(Lowering, RewritesNestedExists) {
  auto l = lower("SELECT * WHERE { ?s <p> ?o FILTER NOT EXISTS { ?o <q> ?z FILTER EXISTS { ?z <r>+ ?w } } }");
  EXPECT_NE(l.text.find("(!<urn:quiver:exists>(0"), std::string::npos) << l.text;
  EXPECT_NE(l.text.find("GRAPH <urn:quiver:exists:1>"), std::string::npos) << l.text;
  EXPECT_EQ(l.paths.size(), 1u);
}

// A group may be a sub-query on its own (WHERE { SELECT ... }): what is inside is lowered all the same.
TEST(Lowering, LowersAGroupThatIsASubQuery) {
  auto l = lower("SELECT * WHERE { SELECT (COUNT(*) AS ?n) { ?x ^<p> ?y FILTER EXISTS { ?y <q> ?z } } }");
  EXPECT_EQ(l.paths.size(), 1u);
  EXPECT_NE(l.text.find("GRAPH <urn:quiver:exists:0>"), std::string::npos) << l.text;
  auto minus = lower("SELECT * { ?s <p> ?o MINUS { SELECT ?z { ?s <q> ?z } } BIND(1 AS ?z) }");
  EXPECT_TRUE(minus.paths.empty());  // and ?z, projected inside MINUS, is not in scope for the BIND
}

TEST(Lowering, KeepsAFilteredGroupInsideOptionalApart) {
  // Rasqal would read OPTIONAL { { P FILTER } } as OPTIONAL { P FILTER }: the lowering keeps the inner group.
  auto l = lower("SELECT * { ?s <p> ?o OPTIONAL { { ?s <q> ?z FILTER(?o = 1) } } }");
  EXPECT_NE(l.text.find("BIND( (?o = 1)  AS ?__quiver_filter0) } FILTER(true) }"), std::string::npos)
      << l.text;
  // Without a filter, or with company, the inner group means the same flattened: nothing is added.
  for (const char* q : {"SELECT * { ?s <p> ?o OPTIONAL { { ?s <q> ?z } } }",
                        "SELECT * { ?s <p> ?o OPTIONAL { { ?s <q> ?z FILTER(?o = 1) } ?s <r> ?w } }",
                        "SELECT * { ?s <p> ?o OPTIONAL { ?s <q> ?z FILTER(?o = 1) } }"})
    EXPECT_EQ(lower(q).text.find("FILTER(true)"), std::string::npos) << q;
}

// Rasqal turns a nested FILTER naming a variable bound only outside its group, or nowhere, into false: such
// filters reach it as BINDs the front end turns back into filters. The top level's are safe from that.
TEST(Lowering, HandsNestedFiltersToRasqalAsBinds) {
  auto l = lower("SELECT * { ?s <p> ?o FILTER(?o) MINUS { ?s <q> ?z FILTER(!BOUND(?nope)) } }");
  EXPECT_NE(l.text.find("?o FILTER(?o) MINUS"), std::string::npos) << l.text;
  EXPECT_NE(l.text.find("BIND( (!BOUND(?nope))  AS ?__quiver_filter0) }"), std::string::npos) << l.text;
  // A group holding nothing else gets a second BIND: Rasqal replaces a group of one BIND by the BIND.
  auto alone = lower("SELECT * { ?s <p> ?o OPTIONAL { FILTER(?o = 1) } }");
  EXPECT_NE(alone.text.find("{ BIND( (?o = 1)  AS ?__quiver_filter0)  BIND(true AS ?__quiver_group) }"),
            std::string::npos)
      << alone.text;
}

class LoweredEvaluation : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Store::open(dir_ / "db");
    // A cycle (a -> b -> c -> a) and a tail (c -> d), for closures that must end.
    LoadOptions options;
    options.inputs = {
        write_file(dir_ / "g.nt",
                   "<http://a> <http://sub> <http://b> .\n<http://b> <http://sub> <http://c> .\n"
                   "<http://c> <http://sub> <http://a> .\n<http://c> <http://sub> <http://d> .\n"
                   "<http://d> <http://label> \"D\" .\n")};
    load(*store_, options);
  }
  std::string csv(const std::string& q) {
    MemoryFile out;
    auto writer = query::make_result_writer(query::ResultFormat::Csv, out.get());
    query::run_query(*store_, q, {}, *writer);
    return out.text();
  }
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(LoweredEvaluation, ClosuresEndOnCyclesAndRunFromEitherEnd) {
  EXPECT_EQ(csv("SELECT (COUNT(*) AS ?n) { <http://a> <http://sub>* ?x }"), "n\r\n4\r\n");  // a b c d
  EXPECT_EQ(csv("SELECT (COUNT(*) AS ?n) { <http://a> <http://sub>+ ?x }"), "n\r\n4\r\n");  // b c a d
  EXPECT_EQ(csv("SELECT ?x { ?x <http://sub>+ <http://d> } ORDER BY ?x"),
            "x\r\nhttp://a\r\nhttp://b\r\nhttp://c\r\n");
  EXPECT_EQ(csv("SELECT ?l { <http://b> <http://sub>/<http://sub>/<http://label> ?l }"), "l\r\nD\r\n");
}

TEST_F(LoweredEvaluation, APathInAWhereClauseThatIsASubQueryRuns) {
  EXPECT_EQ(csv("SELECT * WHERE { SELECT (COUNT(*) AS ?n) { <http://a> <http://sub>+ ?x } }"), "n\r\n4\r\n");
}

TEST_F(LoweredEvaluation, AFilterInANestedGroupSeesOnlyThatGroup) {
  // Inside its own group the filter does not see ?x, which is unbound there, so it fails; as the
  // OPTIONAL's condition it sees ?x and passes.
  EXPECT_EQ(csv("SELECT ?x ?l { ?x <http://sub> <http://d> OPTIONAL { { <http://c> <http://sub> ?y . ?y "
                "<http://label> ?l FILTER(?x = <http://c>) } } }"),
            "x,l\r\nhttp://c,\r\n");
  EXPECT_EQ(csv("SELECT ?x ?l { ?x <http://sub> <http://d> OPTIONAL { <http://c> <http://sub> ?y . ?y "
                "<http://label> ?l FILTER(?x = <http://c>) } }"),
            "x,l\r\nhttp://c,D\r\n");
}

TEST_F(LoweredEvaluation, NotExistsSeesTheOuterRow) {
  EXPECT_EQ(csv("SELECT ?x { ?x <http://sub> ?y FILTER NOT EXISTS { ?y <http://sub> ?z } }"),
            "x\r\nhttp://c\r\n");
}

}  // namespace
}  // namespace quiver::testing
