// N-Quads through RdfReader (the strict line parser): as ntriples_fuzzer.cpp, with graph names.
#include "tests/fuzz/fuzz_rdf.h"

QUIVER_FUZZ_TARGET(nquads) {
  quiver::fuzz::check_line_based(quiver::RdfFormat::NQuads, quiver::fuzz::as_text(data, size));
  return 0;
}
