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

bool has_scheme(std::string_view iri) {
  const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (iri.empty() || !alpha(iri[0])) return false;
  for (size_t i = 1; i < iri.size(); ++i) {
    const char c = iri[i];
    if (c == ':') return true;
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

}  // namespace quiver
