// The SPARQL query front end without a store: lowering (paths, EXISTS), Rasqal's parser and the translation
// into Quiver's algebra. Invalid text must end in a QueryError, nothing else.
#include "query/frontend.h"
#include "tests/fuzz/fuzz_support.h"

QUIVER_FUZZ_TARGET(sparql_query) {
  try {
    quiver::query::parse_query(quiver::fuzz::as_text(data, size));
  } catch (const quiver::query::QueryError&) {
  }
  return 0;
}
