// Every RDF writer round-trips: dump -> load -> dump gives an isomorphic graph, on data whose blank nodes
// form cycles, long chains and shared nodes (the shapes that nested Turtle output gets wrong), and output
// grows linearly with the input.
#include <gtest/gtest.h>

#include "tests/support/quiver_process.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

// Blank-node cycles (including a self-loop), a chain, a node shared by two subjects, literals of every kind.
std::string awkward_graph(int chain_links) {
  std::string text =
      "@prefix ex: <http://e/> .\n"
      "_:a ex:p _:b . _:b ex:p _:a . _:c ex:p _:c .\n"
      "ex:s1 ex:q _:shared . ex:s2 ex:q _:shared . _:shared ex:label \"shared\"@en-GB .\n"
      "ex:s1 ex:n 1, \"01\"^^<http://www.w3.org/2001/XMLSchema#integer>, \"x\\ny\", \"t\"^^ex:type .\n"
      "ex:s1 a ex:Thing .\n";
  for (int i = 0; i < chain_links; ++i)
    text += "_:n" + std::to_string(i) + " ex:next _:n" + std::to_string(i + 1) + " .\n";
  return text;
}

class WriterRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(WriterRoundTrip, DumpLoadDumpGivesTheSameGraph) {
  const std::string format = GetParam();
  const RdfFormat rdf_format = *format_from_name(format);
  TempDir dir;
  auto input = write_file(dir / "in.ttl", awkward_graph(300));
  const std::string first = (dir / "first").string(), second = (dir / "second").string();
  ASSERT_EQ(run_quiver("load -q --db " + first + " " + input.string()).code, 0);

  const auto dump1 = dir / ("dump1." + format), dump2 = dir / ("dump2." + format);
  CommandResult d1 = run_quiver("dump --db " + first + " --format " + format + " -o " + dump1.string());
  ASSERT_EQ(d1.code, 0) << d1.output;
  CommandResult reload = run_quiver("load -q --db " + second + " --format " + format + " " + dump1.string());
  ASSERT_EQ(reload.code, 0) << reload.output;
  CommandResult d2 = run_quiver("dump --db " + second + " --format " + format + " -o " + dump2.string());
  ASSERT_EQ(d2.code, 0) << d2.output;

  auto original = parse_document(input, RdfFormat::Turtle, "http://base/");
  auto once = parse_document(dump1, rdf_format, "http://base/");
  auto twice = parse_document(dump2, rdf_format, "http://base/");
  ASSERT_TRUE(once.errors.empty()) << once.errors[0].to_string();
  ASSERT_EQ(once.quads.size(), original.quads.size());
  EXPECT_TRUE(isomorphic(original.quads, once.quads)) << describe(once.quads).substr(0, 2000);
  EXPECT_TRUE(isomorphic(once.quads, twice.quads));
}

// Raptor's nesting Turtle writer grew quadratically on a chain like this and crashed at this length.
TEST_P(WriterRoundTrip, ALongBlankNodeChainIsWrittenWholeInLinearSpace) {
  const std::string format = GetParam();
  TempDir dir;
  const int links = 200000;
  auto input = write_file(dir / "in.ttl", awkward_graph(links));
  const std::string db = (dir / "db").string();
  ASSERT_EQ(run_quiver("load -q --db " + db + " " + input.string()).code, 0);
  const auto dump = dir / ("dump." + format);
  CommandResult d = run_quiver("dump --db " + db + " --format " + format + " -o " + dump.string());
  ASSERT_EQ(d.code, 0) << d.output;
  auto dumped = parse_document(dump, *format_from_name(format), "http://base/");
  ASSERT_TRUE(dumped.errors.empty()) << dumped.errors[0].to_string();
  EXPECT_EQ(dumped.quads.size(), links + 11u);
  EXPECT_LT(std::filesystem::file_size(dump), 200u * dumped.quads.size());
}

// An RDF/XML nodeID may end in '.', which N-Triples and Turtle labels cannot: such labels are written in
// another form, and the dump loads back.
TEST_P(WriterRoundTrip, BlankNodeLabelsOfAnyShapeAreWrittenValid) {
  const std::string format = GetParam();
  TempDir dir;
  auto input = write_file(dir / "in.rdf",
                          "<?xml version=\"1.0\"?>\n"
                          "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                          "xmlns:ex=\"http://e/\">\n"
                          "<rdf:Description rdf:nodeID=\"a.\"><ex:p rdf:nodeID=\"b.c.\"/></rdf:Description>\n"
                          "</rdf:RDF>\n");
  const std::string db = (dir / "db").string(), again = (dir / "again").string();
  ASSERT_EQ(run_quiver("load -q --db " + db + " " + input.string()).code, 0);
  const auto dump = dir / ("dump." + format);
  ASSERT_EQ(run_quiver("dump --db " + db + " --format " + format + " -o " + dump.string()).code, 0);
  CommandResult reload = run_quiver("load -q --db " + again + " --format " + format + " " + dump.string());
  EXPECT_EQ(reload.code, 0) << reload.output;
}

TEST(WriterRefusals, ABlankNodeGraphIsNotWrittenAsTrig) {
  TempDir dir;
  const std::string db = (dir / "db").string();
  auto quads = write_file(dir / "g.nq", "<http://a> <http://b> <http://c> _:g .\n");
  ASSERT_EQ(run_quiver("load -q --db " + db + " " + quads.string()).code, 0);
  CommandResult r = run_quiver("dump --db " + db + " --format trig");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("dump as nquads"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, WriterRoundTrip,
                         ::testing::Values("ntriples", "nquads", "turtle", "trig", "rdfxml"));

}  // namespace
}  // namespace quiver::testing
