// IRI references resolved against a base (RFC 3986 section 5, by Raptor).
#pragma once

#include <string>

namespace quiver {

// `reference` resolved against the absolute IRI `base`; an absolute reference comes back as it is.
std::string resolve_iri(const std::string& base, const std::string& reference);

}  // namespace quiver
