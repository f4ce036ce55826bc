// N-Triples through RdfReader (the strict line parser): the checks of fuzz_rdf.h, a round trip through
// append_ntriples, and chunked parsing equal to whole-document parsing.
#include "tests/fuzz/fuzz_rdf.h"

QUIVER_FUZZ_TARGET(ntriples) {
  quiver::fuzz::check_line_based(quiver::RdfFormat::NTriples, quiver::fuzz::as_text(data, size));
  return 0;
}
