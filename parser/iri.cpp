#include "parser/iri.h"

#include <raptor2.h>

#include <vector>

namespace quiver {

std::string resolve_iri(const std::string& base, const std::string& reference) {
  // The result is at most the base and the reference together, plus the '/' a merge may insert.
  std::vector<unsigned char> buffer(base.size() + reference.size() + 2);
  const size_t n = raptor_uri_resolve_uri_reference(reinterpret_cast<const unsigned char*>(base.c_str()),
                                                    reinterpret_cast<const unsigned char*>(reference.c_str()),
                                                    buffer.data(), buffer.size());
  if (n == 0) return reference;
  return std::string(reinterpret_cast<const char*>(buffer.data()), n);
}

}  // namespace quiver
