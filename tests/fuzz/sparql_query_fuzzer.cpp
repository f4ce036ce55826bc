// The SPARQL query front end without a store: lowering (paths, EXISTS), Rasqal's parser and the translation
// into Quiver's algebra, through the templates the endpoint keeps (query_templates.h): one set for the whole
// run, so that mutated inputs of one shape are answered from its template with their own constants. Invalid
// text must end in a QueryError, nothing else.
#include "query/frontend.h"
#include "query/query_templates.h"
#include "tests/fuzz/fuzz_support.h"

QUIVER_FUZZ_TARGET(sparql_query) {
  static quiver::query::QueryTemplates templates;
  try {
    templates.parse(quiver::fuzz::as_text(data, size), "http://quiver.local/");
  } catch (const quiver::query::QueryError&) {
  }
  return 0;
}
