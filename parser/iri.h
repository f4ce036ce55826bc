// IRI references resolved against a base (RFC 3986 section 5, by Raptor).
#pragma once

#include <string>
#include <string_view>

namespace quiver {

// `reference` resolved against the absolute IRI `base`; an absolute reference comes back as it is.
std::string resolve_iri(const std::string& base, const std::string& reference);

// Whether `iri` is absolute: it starts with a scheme, ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
bool has_scheme(std::string_view iri);

}  // namespace quiver
