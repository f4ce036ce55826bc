// TriG through RdfReader (Raptor's parser): every statement handed out is well formed
// (see fuzz_rdf.h); Raptor stops at the first error, so at most one error is reported.
#include "tests/fuzz/fuzz_rdf.h"

QUIVER_FUZZ_TARGET(trig) {
  const auto parsed = quiver::fuzz::parse_checked(quiver::RdfFormat::TriG, quiver::fuzz::as_text(data, size));
  QUIVER_FUZZ_CHECK(parsed.errors.size() <= 1, "more than one error from a parser that stops at the first");
  return 0;
}
