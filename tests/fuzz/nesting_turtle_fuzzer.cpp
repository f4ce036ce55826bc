// Structure-aware: the fuzz bytes drive a generator of valid Turtle/TriG with deep nesting and long chains
// (blank nodes [ ex:p [ ex:p ... ] ], collections ( ( ( ... ) ) ), long object and predicate lists). Each
// pair of bytes is one construct and its repeat count (up to ~16k), so short inputs reach large depths. The
// document is valid: it must parse without an error into well-formed statements, or stop at Raptor's depth
// limit with an error.
#include "tests/fuzz/fuzz_rdf.h"

namespace {

struct Construct {
  const char* open;   // written `count` times, in object or collection-item position
  const char* close;  // written as often, innermost first
  bool list_inside;   // its inside is a collection's items, not an object position
};

constexpr Construct kConstructs[] = {
    {"[ ex:p ", "] ", false},      // blank node chain
    {"( ", ") ", true},            // nested collections
    {"( ex:a ", "ex:z ) ", true},  // collections with items around the nested one
    {"[ ex:q ex:o ; ex:p ", "; ex:r 1 ] ", false},
    {"[ ex:p ex:o , ", "] ", false},        // object list before the nested object
    {"[ ex:p ( [ ex:p ", "] ) ] ", false},  // blank nodes inside collections inside blank nodes
    {"", "", false},                        // a long flat object list (or collection)
};

}  // namespace

QUIVER_FUZZ_TARGET(nesting_turtle) {
  if (size < 1) return 0;
  const bool trig = data[0] & 1;
  std::string opens, closes;
  size_t total = 0;
  bool in_list = false;
  for (size_t i = 1; i + 1 < size && total < 40000; i += 2) {
    const Construct& c = kConstructs[data[i] % std::size(kConstructs)];
    const size_t count = 1 + data[i + 1] * data[i + 1] / 4;
    if (!*c.open) {
      for (size_t k = 0; k < count; ++k) opens += in_list ? "ex:o " : "ex:o , ";
    } else {
      in_list = c.list_inside;
      for (size_t k = 0; k < count; ++k) opens += c.open;
      std::string close;
      for (size_t k = 0; k < count; ++k) close += c.close;
      closes = close + closes;
    }
    total += count;
  }
  std::string document = "@prefix ex: <http://example.org/> .\n";
  if (trig) document += "ex:g {\n";
  document += "ex:s ex:p " + opens + "ex:end " + closes + ".\n";
  if (trig) document += "}\n";
  const auto parsed =
      quiver::fuzz::parse_checked(trig ? quiver::RdfFormat::TriG : quiver::RdfFormat::Turtle, document);
  // Raptor's Bison parsers stop at a nesting depth of 10000 with "memory exhausted": a clean error, kept.
  if (!parsed.errors.empty() && parsed.errors[0].message.starts_with("memory exhausted")) return 0;
  QUIVER_FUZZ_CHECK(parsed.errors.empty(),
                    "valid generated " + std::string(trig ? "TriG" : "Turtle") + " is rejected: " +
                        (parsed.errors.empty() ? std::string() : parsed.errors[0].to_string()));
  QUIVER_FUZZ_CHECK(!parsed.statements.empty(), "valid generated document gives no statements");
  return 0;
}
