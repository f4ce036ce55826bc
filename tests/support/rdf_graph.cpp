#include "tests/support/rdf_graph.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

namespace quiver::testing {

ParsedDocument parse_document(const std::filesystem::path& path, RdfFormat format,
                              const std::string& base_iri) {
  ParsedDocument doc;
  RdfReader reader(format, base_iri);
  try {
    reader.parse_file(
        path,
        [&](const TermView& s, const TermView& p, const TermView& o, const TermView* g) {
          doc.quads.push_back({s.to_term(), p.to_term(), o.to_term(), g ? g->to_term() : Term::iri("")});
        },
        [&](const SyntaxError& e) { doc.errors.push_back(e); });
  } catch (const ParseError& e) {
    doc.errors.push_back(e.error);
  }
  return doc;
}

namespace {

bool is_blank(const Term& t) {
  return t.kind == TermKind::Blank;
}

std::string key(const TermQuad& q) {
  std::string k;
  for (const Term& t : q) k += to_ntriples(t) + "\x1f";
  return k;
}

// Colour refinement: every blank node starts with one colour and repeatedly takes the multiset of the quads
// it appears in, with other blank nodes replaced by their colour, until no colour class splits any more
// (a chain of n blank nodes needs about n/2 rounds).
std::map<std::string, size_t> colours(const std::vector<TermQuad>& quads) {
  std::map<std::string, size_t> colour;
  for (const auto& q : quads)
    for (const Term& t : q)
      if (is_blank(t)) colour[t.value] = 0;
  for (size_t classes = 1;;) {
    std::map<std::string, std::vector<std::string>> sig;
    for (const auto& q : quads)
      for (size_t i = 0; i < 4; ++i) {
        if (!is_blank(q[i])) continue;
        std::string s = std::to_string(i) + ":";
        for (size_t j = 0; j < 4; ++j)
          s += (j == i           ? std::string("SELF")
                : is_blank(q[j]) ? "_" + std::to_string(colour[q[j].value])
                                 : to_ntriples(q[j])) +
               "|";
        sig[q[i].value].push_back(s);
      }
    std::map<std::string, size_t> ids;
    std::map<std::string, size_t> next;
    for (auto& [node, v] : sig) {
      std::sort(v.begin(), v.end());
      std::string joined;
      for (auto& s : v) joined += s + "\n";
      next[node] = std::hash<std::string>()(joined);
    }
    colour = next;
    std::set<size_t> distinct;
    for (auto& [node, c] : colour) distinct.insert(c);
    if (distinct.size() == classes) break;
    classes = distinct.size();
  }
  return colour;
}

}  // namespace

bool isomorphic(std::vector<TermQuad> a, std::vector<TermQuad> b) {
  auto dedupe = [](std::vector<TermQuad>& v) {
    std::map<std::string, TermQuad> m;
    for (auto& q : v) {
      // RDF 1.1 language tags compare case-insensitively.
      for (Term& t : q)
        for (char& c : t.language) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      m.emplace(key(q), q);
    }
    v.clear();
    for (auto& [k, q] : m) v.push_back(q);
  };
  dedupe(a);
  dedupe(b);
  if (a.size() != b.size()) return false;
  auto ca = colours(a), cb = colours(b);
  if (ca.size() != cb.size()) return false;
  std::set<std::string> b_keys;
  for (auto& q : b) b_keys.insert(key(q));

  std::vector<std::string> nodes;
  for (auto& [n, c] : ca) nodes.push_back(n);
  std::map<std::string, std::string> mapping;
  std::set<std::string> used;
  std::function<bool(size_t)> assign = [&](size_t i) -> bool {
    if (i == nodes.size()) {
      for (const auto& q : a) {
        TermQuad m = q;
        for (Term& t : m)
          if (is_blank(t)) t.value = mapping[t.value];
        if (!b_keys.count(key(m))) return false;
      }
      return true;
    }
    for (auto& [candidate, colour] : cb) {
      if (colour != ca[nodes[i]] || used.count(candidate)) continue;
      mapping[nodes[i]] = candidate;
      used.insert(candidate);
      if (assign(i + 1)) return true;
      used.erase(candidate);
    }
    return false;
  };
  return assign(0);
}

std::string describe(const std::vector<TermQuad>& quads) {
  std::string out;
  for (const auto& q : quads) {
    out += to_ntriples(q[0]) + " " + to_ntriples(q[1]) + " " + to_ntriples(q[2]);
    if (!q[3].value.empty()) out += " " + to_ntriples(q[3]);
    out += " .\n";
  }
  return out;
}

}  // namespace quiver::testing
