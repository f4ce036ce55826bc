// The SPARQL update front end without a store: the splitter that cuts a request into operations Rasqal
// parses one at a time, then the whole parse. Invalid text must end in a QueryError, nothing else.
#include "query/frontend.h"
#include "query/lowering.h"
#include "tests/fuzz/fuzz_support.h"

QUIVER_FUZZ_TARGET(sparql_update) {
  const std::string_view text = quiver::fuzz::as_text(data, size);
  try {
    // An operation keeps the request's text up to its end; DELETE WHERE { P } becomes DELETE { P } WHERE { P
    // }.
    for (const auto& op : quiver::query::split_update(text))
      QUIVER_FUZZ_CHECK(op.text.size() <= 2 * text.size() + 64,
                        "an operation's text grows far beyond the request");
  } catch (const quiver::query::QueryError&) {
  }
  try {
    quiver::query::parse_update(text);
  } catch (const quiver::query::QueryError&) {
  }
  return 0;
}
