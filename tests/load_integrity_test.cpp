// Loading never loses a good statement silently and never stores an invalid one: skip mode accounts for
// every line, invalid RDF is refused with its position, valid edge cases (empty files, NUL in literals)
// load.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "loader/loader.h"
#include "query/query.h"
#include "store/store.h"
#include "tests/support/memory_file.h"
#include "tests/support/rdf_graph.h"
#include "tests/support/temp_dir.h"

namespace quiver::testing {
namespace {

std::string numbered_lines(int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i)
    text += "<http://e/" + std::to_string(i) + "> <http://p/x> \"v" + std::to_string(i) + "\" .\n";
  return text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `text` parsed as a file of `format` in a fresh directory.
ParsedDocument parse_text(const std::string& text, RdfFormat format,
                          const std::string& base = "http://unused/") {
  TempDir dir;
  return parse_document(write_file(dir / "doc", text), format, base);
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct SkipLoad {
  LoadReport report;
  std::string rejects;
  uint64_t stored;
};

SkipLoad load_skipping(const TempDir& dir, std::vector<std::filesystem::path> files) {
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = std::move(files);
  options.threads = 2;
  options.memory_mib = 64;
  options.on_error = OnError::Skip;
  options.rejects_path = dir / "rejects.txt";
  SkipLoad out;
  out.report = load(*store, options);
  out.rejects = read_text(options.rejects_path);
  out.stored = store->statistics().quads;
  // The summary adds up: every statement read was added, already there, or rejected.
  EXPECT_EQ(out.report.triples_read, out.report.triples_added + out.report.duplicates);
  return out;
}

std::string load_error(const TempDir& dir, std::vector<std::filesystem::path> files) {
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = std::move(files);
  try {
    load(*store, options);
  } catch (const LoadError& e) {
    EXPECT_EQ(store->statistics().quads, 0u);
    return e.what();
  }
  ADD_FAILURE() << "the load succeeded";
  return {};
}

TEST(LoadIntegrity, SkipModeKeepsEveryGoodLineAfterAnUnterminatedStringOrATrailingBackslash) {
  // Lines after these errors used to vanish up to the end of their 4 MiB chunk, unreported.
  const std::string bad_lines[] = {
      "<http://e/bad> <http://p/x> \"unterminated .\n",
      "<http://e/bad> <http://p/x> \"ends in a backslash\\\n",
      "<http://e/bad{> <http://p/x> <http://o> .\n",
  };
  for (const std::string& bad : bad_lines) {
    TempDir dir;
    auto file = write_file(dir / "big.nt", numbered_lines(0, 10) + bad + numbered_lines(10, 100000));
    SkipLoad got = load_skipping(dir, {file});
    EXPECT_EQ(got.report.triples_added, 100000u) << bad;
    EXPECT_EQ(got.stored, 100000u) << bad;
    EXPECT_EQ(got.report.rejected, 1u) << bad;
    EXPECT_EQ(count_of(got.rejects, "big.nt:11:"), 1u) << got.rejects;  // reported exactly once
  }
}

TEST(LoadIntegrity, AnUnwritableRejectsReportFailsTheLoadBeforeAnythingIsCommitted) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "a.nt", "bad\n" + numbered_lines(0, 3))};
  options.on_error = OnError::Skip;
  options.rejects_path = dir / "missing-folder" / "rejects.txt";
  try {
    load(*store, options);
    ADD_FAILURE() << "the load succeeded";
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write the rejects report"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->statistics().quads, 0u);
  // A file of bad lines only is reported as rejected, not as holding no statements.
  options.inputs = {write_file(dir / "bad.nt", "bad\n")};
  options.rejects_path = dir / "rejects.txt";
  EXPECT_TRUE(load(*store, options).files_without_statements.empty());
}

TEST(LoadIntegrity, InvalidNTriplesIsRefusedWithItsColumn) {
  struct Case {
    std::string line;
    std::string reason;
  } cases[] = {
      {"<http://e/s> <http://p/x> \"\xC0\xAF\" .", "1:28: bytes that are not valid UTF-8"},
      {"<http://e/s> <http://p/x> \"\\uD800\" .", "1:28: the escape stands for no Unicode character"},
      {"<http://e/s> <http://p/x> <http://o>", "expected the '.'"},
      {"<http://e/s{x}> <http://p/x> <http://o> .", "1:12: the character '{'"},
      {"<http://e/s> <http://p/x> \"a\\qb\" .", "1:29: invalid escape '\\q'"},
      {"<s> <http://p/x> <http://o> .", "relative IRI"},
      {"<http://e/s> <http://p/x> \"x\"@ .", "language tag"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string message = load_error(dir, {write_file(dir / "bad.nt", c.line + "\n")});
    EXPECT_NE(message.find(c.reason), std::string::npos) << c.line << " gave: " << message;
  }
}

TEST(LoadIntegrity, AnErrorQuotesAShortExcerptOfAHugeLine) {
  TempDir dir;
  const std::string huge = "<http://e/s> <http://p/x> \"" + std::string(2 << 20, 'x') + " .\n";
  const std::string message = load_error(dir, {write_file(dir / "huge.nt", huge)});
  EXPECT_NE(message.find("huge.nt:1:27: string without its closing"), std::string::npos)
      << message.substr(0, 300);
  EXPECT_LT(message.size(), 1000u);
}

TEST(LoadIntegrity, AbortModeNamesTheFirstErrorOfEveryFailingFile) {
  TempDir dir;
  auto good = write_file(dir / "a-good.nt", numbered_lines(0, 5));
  auto bad1 = write_file(dir / "b-bad.nt", numbered_lines(0, 3) + "oops\n" + "more oops\n");
  auto bad2 = write_file(dir / "c-bad.ttl", "<http://e/s> <http://p/x> .\n");
  const std::string message = load_error(dir, {good, bad1, bad2});
  EXPECT_NE(message.find("b-bad.nt:4:1:"), std::string::npos) << message;
  EXPECT_EQ(message.find("b-bad.nt:5"), std::string::npos) << message;  // the first error only
  EXPECT_NE(message.find("c-bad.ttl:1"), std::string::npos) << message;
  EXPECT_EQ(message.find("a-good.nt"), std::string::npos) << message;
}

TEST(LoadIntegrity, TurtleSaysThatTheRestOfAFileAfterAnErrorIsNotLoaded) {
  TempDir dir;
  auto file = write_file(dir / "t.ttl",
                         "@prefix ex: <http://e/> .\n"
                         "ex:a ex:p 1 .\n"
                         "ex:b ex:p 2 .\n"
                         "ex:c ex:p \"bad .\n"
                         "ex:d ex:p 4 .\n"
                         "ex:e ex:p 5 .\n");
  SkipLoad got = load_skipping(dir, {file});
  EXPECT_EQ(got.stored, 2u);  // ex:a and ex:b, before the error
  EXPECT_EQ(got.report.rejected, 1u);
  EXPECT_NE(got.rejects.find("t.ttl:4"), std::string::npos) << got.rejects;
  EXPECT_NE(got.rejects.find("nothing after line 4 of this file is loaded"), std::string::npos)
      << got.rejects;
}

TEST(LoadIntegrity, InvalidUtf8InTurtleIsRefusedWithItsPosition) {
  TempDir dir;
  const std::string message = load_error(dir, {write_file(dir / "t.ttl",
                                                          "<http://e/s> <http://p/x> \"ok\" .\n"
                                                          "<http://e/s> <http://p/x> \"a\xFF\" .\n")});
  EXPECT_NE(message.find("t.ttl:2:29: bytes that are not valid UTF-8"), std::string::npos) << message;
}

TEST(LoadIntegrity, CrLfLineEndsAByteOrderMarkAndAMissingLastNewlineLoad) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "crlf.nt",
                               "\xEF\xBB\xBF<http://a> <http://b> <http://c> .\r\n"
                               "<http://a> <http://b> \"x\" .\r\n"
                               "<http://a> <http://b> \"y\" .")};
  EXPECT_EQ(load(*store, options).triples_added, 3u);
}

TEST(LoadIntegrity, RdfXmlErrorsNameTheirLine) {
  TempDir dir;
  const std::string message = load_error(
      dir, {write_file(
               dir / "x.rdf",
               "<?xml version=\"1.0\"?>\n"
               "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:ex=\"http://e/\">\n"
               "<rdf:Description rdf:about=\"http://e/a\">\n"
               "<ex:q>unclosed\n"
               "</rdf:RDF>\n")});
  EXPECT_NE(message.find("x.rdf:5"), std::string::npos) << message;
}

TEST(LoadIntegrity, EmptyFilesAndFilesOfCommentsLoadNothingWithANotice) {
  TempDir dir;
  auto empty_nt = write_file(dir / "empty.nt", "");
  auto comments = write_file(dir / "comments.nt", "# nothing today\n\n");
  auto prefixes = write_file(dir / "prefixes.ttl", "@prefix ex: <http://e/> .\n");
  auto data = write_file(dir / "data.nt", numbered_lines(0, 3));
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {empty_nt, comments, prefixes, data};
  LoadReport report = load(*store, options);
  EXPECT_EQ(report.triples_added, 3u);
  EXPECT_EQ(report.files_without_statements,
            (std::vector<std::filesystem::path>{empty_nt, comments, prefixes}));
}

TEST(LoadIntegrity, ALiteralHoldingNulIsStoredWhole) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "nul.nt", std::string("<http://e/s> <http://p/x> \"a") + '\0' +
                                                   "b\" .\n" +
                                                   "<http://e/t> <http://p/x> \"c\\u0000d\" .\n")};
  load(*store, options);
  std::vector<std::string> values;
  for (auto c = store->scan({}); c.valid(); c.next()) values.push_back(store->term(c.quad().o)->value);
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::string>{std::string("a\0b", 3), std::string("c\0d", 3)}));
}

TEST(LoadIntegrity, LanguageTagsKeepTheirCaseAndCompareCaseInsensitively) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "a.ttl",
                               "<http://e/s> <http://e/p> \"colour\"@en-GB .\n"
                               "<http://e/s> <http://e/p> \"colour\"@EN-gb .\n"),
                    write_file(dir / "b.nt", "<http://e/t> <http://e/p> \"y\"@de-CH-1996 .\n")};
  LoadReport report = load(*store, options);
  EXPECT_EQ(report.triples_added, 2u);  // one term: tags compare case-insensitively
  EXPECT_EQ(report.duplicates, 1u);
  const auto id = store->find(Term::lang("colour", "en-gb"));
  ASSERT_TRUE(id);
  EXPECT_EQ(store->find(Term::lang("colour", "EN-GB")), id);
  EXPECT_EQ(store->term(*id)->language, "en-GB");  // as first written
  EXPECT_EQ(store->term(*store->find(Term::lang("y", "de-ch-1996")))->language, "de-CH-1996");
}

TEST(LoadIntegrity, TrigWithTheGraphKeywordAndSparqlStylePrefixesLoads) {
  const auto parsed = parse_text(
      "PREFIX ex: <http://e/>\n"
      "BASE <http://base/>\n"
      "GRAPH ex:g { ex:s ex:p \"GRAPH PREFIX x\" . }\n"
      "# GRAPH in a comment\n"
      "graph <h> { ex:s ex:p \"\"\"long\nGRAPH\" \"\"\" }\n",
      RdfFormat::TriG);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].to_string();
  ASSERT_EQ(parsed.quads.size(), 2u);
  EXPECT_EQ(parsed.quads[0][2].value, "GRAPH PREFIX x");
  EXPECT_EQ(parsed.quads[0][3].value, "http://e/g");
  EXPECT_EQ(parsed.quads[1][2].value, "long\nGRAPH\" ");
  EXPECT_EQ(parsed.quads[1][3].value, "http://base/h");
  // GRAPH must name a graph: the keyword before a default-graph block stays an error.
  TempDir bad_dir;
  const std::string message =
      load_error(bad_dir, {write_file(bad_dir / "bad.trig", "PREFIX : <http://e/>\nGRAPH { :s :p :o }\n")});
  EXPECT_NE(message.find("bad.trig:2"), std::string::npos) << message;
}

// `<>` is the base IRI wherever it stands; Raptor's lexer would crash on it before a `{` (however the
// `{` is reached), so the filter writes the base out, following the base directives.
TEST(LoadIntegrity, AnEmptyIriIsTheBaseEvenWhereItNamesAGraph) {
  const auto parsed = parse_text(
      "<> { <http://e/s> <http://e/p> 1 }\n"
      "<>\n\n{ <http://e/s> <http://e/p> 2 }\n"
      "<> # comment\n{ <http://e/s> <http://e/p> 3 }\n"
      "@base <http://b/dir/> .\n"
      "<> { <> <http://e/p> 4 }\n"
      "BASE <sub/doc>\n"
      "GRAPH <> { <http://e/s> <http://e/p> 5 }\n",
      RdfFormat::TriG, "http://doc/");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].to_string();
  ASSERT_EQ(parsed.quads.size(), 5u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(parsed.quads[i][3].value, "http://doc/");
  EXPECT_EQ(parsed.quads[3][0].value, "http://b/dir/");
  EXPECT_EQ(parsed.quads[3][3].value, "http://b/dir/");
  EXPECT_EQ(parsed.quads[4][3].value, "http://b/dir/sub/doc");
  // In Turtle a graph block is an error, located, not a crash; a language tag is no base directive.
  const auto refused = parse_text(
      "<http://e/s> <http://e/p> \"x\"@basque, <rel> .\n"
      "<> <http://e/p> 1 .\n<> { <http://e/s> <http://e/p> 2 }\n",
      RdfFormat::Turtle, "http://doc/");
  ASSERT_EQ(refused.quads.size(), 3u);
  EXPECT_EQ(refused.quads[1][2].value, "http://doc/rel");
  EXPECT_EQ(refused.quads[2][0].value, "http://doc/");
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].line, 3u);
  // A base IRI that cannot be written between '<' and '>' as it is: `<>` naming a graph is refused.
  const auto unwritable = parse_text("@base <http://x/\\u0020y/> .\n<> { <http://e/s> <http://e/p> 2 }\n",
                                     RdfFormat::TriG, "http://doc/");
  EXPECT_TRUE(unwritable.quads.empty());
  ASSERT_EQ(unwritable.errors.size(), 1u);
  EXPECT_EQ(unwritable.errors[0].line, 2u);
  EXPECT_NE(unwritable.errors[0].message.find("write the graph's IRI"), std::string::npos)
      << unwritable.errors[0].to_string();
}

// What Raptor's Turtle parser cannot take is filtered without touching anything else.
TEST(LoadIntegrity, TheTurtleTextFilterLeavesValidTextAlone) {
  const auto parsed = parse_text(
      "@prefix ex: <http://ex/> .\n"
      "ex:a\\#b ex:p \"\"\"first line\n"
      "graph <http://x> is a word here\"\"\" .\n"
      "ex:don\\'t ex:p ex:o . GRAPH ex:g { ex:s ex:p ex:o }\n"
      "ex:a.graph ex:p \"x\"@graph .\n",
      RdfFormat::TriG);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].to_string();
  ASSERT_EQ(parsed.quads.size(), 4u);
  EXPECT_EQ(parsed.quads[0][2].value, "first line\ngraph <http://x> is a word here");
  EXPECT_EQ(parsed.quads[3][0].value, "http://ex/a.graph");
  EXPECT_EQ(parsed.quads[3][2].language, "graph");
}

TEST(LoadIntegrity, NulInTurtleIsKeptInStringsAndRefusedElsewhere) {
  TempDir dir;
  auto both = write_file(dir / "both.ttl",
                         "<http://ex/s> <http://ex/p> \"a\\u0000b\" .\n"
                         "<http://ex/s> <http://ex/q> \"c\\U0010FFFEd\" .\n");
  EXPECT_NE(load_error(dir, {both}).find("both.ttl:2:"), std::string::npos);
  TempDir iri_dir;
  auto iri = write_file(iri_dir / "iri.ttl", "<http://ex/s\\u0000x> <http://ex/r> \"z\" .\n");
  EXPECT_NE(load_error(iri_dir, {iri}).find("iri.ttl:1:13: an escape of NUL inside an IRI"),
            std::string::npos);
  TempDir kept_dir;
  auto kept = write_file(kept_dir / "kept.ttl", "<http://ex/s> <http://ex/q> \"c\\U0010FFFEd\" .\n");
  const auto parsed = parse_document(kept, RdfFormat::Turtle, "http://unused/");
  ASSERT_EQ(parsed.quads.size(), 1u);
  EXPECT_EQ(parsed.quads[0][2].value,
            "c\xF4\x8F\xBF\xBE"
            "d");
}

TEST(LoadIntegrity, TurtleStatementsBeforeABadByteAreKept) {
  TempDir dir;
  auto file = write_file(dir / "t.ttl",
                         "<http://ex/s> <http://ex/p> \"a\" .\n"
                         "<http://ex/s> <http://ex/p> \"b\" .\n"
                         "<http://ex/s> <http://ex/p> \"\xFF\" .\n"
                         "<http://ex/s> <http://ex/p> \"d\" .\n");
  SkipLoad got = load_skipping(dir, {file});
  EXPECT_EQ(got.stored, 2u);
  EXPECT_NE(got.rejects.find("t.ttl:3:30: bytes that are not valid UTF-8"), std::string::npos) << got.rejects;
}

TEST(LoadIntegrity, RdfXmlInAnotherEncodingLoads) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {
      write_file(dir / "latin1.rdf",
                 "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                 "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
                 "xmlns:ex=\"http://ex/\">\n"
                 "<rdf:Description rdf:about=\"http://ex/a\"><ex:p>caf\xE9</ex:p></rdf:Description>\n"
                 "</rdf:RDF>\n")};
  load(*store, options);
  ASSERT_EQ(store->statistics().quads, 1u);
  EXPECT_TRUE(store->find(Term::literal("caf\xC3\xA9")));
}

// Queries compare the stored tag with the query's (Rasqal lowers the query's) without regard to case.
TEST(LoadIntegrity, QueriesMatchLanguageTagsWhateverTheirCase) {
  TempDir dir;
  auto store = Store::open(dir / "db");
  LoadOptions options;
  options.inputs = {write_file(dir / "a.nt", "<http://e/s> <http://e/p> \"a\"@en-GB .\n")};
  load(*store, options);
  for (const std::string filter : {"?o = \"a\"@en-gb", "sameTerm(?o, \"a\"@EN-GB)", "?o IN (\"a\"@en-GB)",
                                   "STRSTARTS(?o, \"a\"@EN-gb)"}) {
    MemoryFile out;
    auto writer = query::make_result_writer(query::ResultFormat::Csv, out.get());
    query::run_query(*store, "SELECT ?s WHERE { ?s ?p ?o FILTER(" + filter + ") }", {}, *writer);
    EXPECT_EQ(out.text(), "s\r\nhttp://e/s\r\n") << filter;
  }
}

}  // namespace
}  // namespace quiver::testing
