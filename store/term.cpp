#include "store/term.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

namespace quiver {

Term Term::typed(std::string_view v, std::string_view dt) {
  if (dt == xsd::kString) return literal(v);
  return {TermKind::Literal, std::string(v), std::string(dt), {}};
}

Term Term::lang(std::string_view v, std::string_view tag) {
  return {TermKind::Literal, std::string(v), {}, std::string(tag)};
}

void encode_term(const TermView& term, std::string& out) {
  out.clear();
  switch (term.kind) {
    case TermKind::Iri:
      out.push_back('I');
      break;
    case TermKind::Blank:
      out.push_back('B');
      break;
    case TermKind::Literal:
      if (!term.language.empty()) {
        out.push_back('G');
        out.append(term.language).push_back('\0');
      } else if (!term.datatype.empty()) {
        out.push_back('T');
        out.append(term.datatype).push_back('\0');
      } else {
        out.push_back('L');
      }
      break;
  }
  out.append(term.value);
}

bool same_language(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool Term::operator==(const Term& other) const {
  return kind == other.kind && value == other.value && datatype == other.datatype &&
         same_language(language, other.language);
}

std::string identity_key(const Term& term) {
  std::string encoded = encode_term(term), scratch;
  if (term_identity(encoded, scratch).data() == scratch.data()) return scratch;
  return encoded;
}

std::string_view term_identity(std::string_view encoded, std::string& scratch) {
  if (encoded.empty() || encoded[0] != 'G') return encoded;
  const size_t tag_end = encoded.find('\0');
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (std::none_of(encoded.begin(), encoded.begin() + std::min(tag_end, encoded.size()), upper))
    return encoded;
  scratch.assign(encoded);
  for (size_t i = 1; i < tag_end && i < scratch.size(); ++i)
    if (upper(scratch[i])) scratch[i] = static_cast<char>(scratch[i] - 'A' + 'a');
  return scratch;
}

bool same_term(std::string_view encoded_a, std::string_view encoded_b) {
  if (encoded_a == encoded_b) return true;
  if (encoded_a.size() != encoded_b.size() || encoded_a.empty() || encoded_a[0] != 'G') return false;
  std::string scratch_a, scratch_b;
  return term_identity(encoded_a, scratch_a) == term_identity(encoded_b, scratch_b);
}

std::string encode_term(const Term& term) {
  std::string out;
  encode_term(term.view(), out);
  return out;
}

bool decode_term(std::string_view bytes, Term& out) {
  if (bytes.empty()) return false;
  const char kind = bytes[0];
  std::string_view rest = bytes.substr(1);
  out.datatype.clear();
  out.language.clear();
  auto split = [&](std::string& head) {
    auto nul = rest.find('\0');
    if (nul == std::string_view::npos) return false;
    head.assign(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
    return true;
  };
  switch (kind) {
    case 'I':
      out.kind = TermKind::Iri;
      break;
    case 'B':
      out.kind = TermKind::Blank;
      break;
    case 'L':
      out.kind = TermKind::Literal;
      break;
    case 'G':
      out.kind = TermKind::Literal;
      if (!split(out.language)) return false;
      break;
    case 'T':
      out.kind = TermKind::Literal;
      if (!split(out.datatype)) return false;
      break;
    default:
      return false;
  }
  out.value.assign(rest);
  return true;
}

namespace {

void append_escaped(std::string_view s, bool iri, std::string& out) {
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        if (iri)
          out += "\\u0022";
        else
          out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += iri ? "\\u0009" : "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f ||
            (iri && (c == '<' || c == '>' || c == ' ' || c == '{' || c == '}' || c == '|' || c == '^' ||
                     c == '`'))) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

// Labels are written as they are when N-Triples and Turtle can hold them: letters, digits, '_', '-', the
// non-ASCII characters the parsers let into labels, and '.' not at the end. Others (an RDF/XML nodeID may
// end in '.') become 'x' and the label's bytes in hex: labels only tell blank nodes apart, and the hex form
// keeps them apart.
void append_blank_label(std::string_view label, std::string& out) {
  const auto plain = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || static_cast<unsigned char>(c) >= 0x80;
  };
  const bool writable = !label.empty() && plain(label[0]) && label[0] != '-' && label.back() != '.' &&
                        std::all_of(label.begin(), label.end(), [&](char c) { return plain(c) || c == '.'; });
  if (writable) return void(out += label);
  static const char* kHex = "0123456789abcdef";
  out += "x";
  for (unsigned char c : label) out.push_back(kHex[c >> 4]), out.push_back(kHex[c & 15]);
  out += "h";
}

}  // namespace

void append_ntriples(const Term& term, std::string& out) {
  switch (term.kind) {
    case TermKind::Iri:
      out.push_back('<');
      append_escaped(term.value, true, out);
      out.push_back('>');
      break;
    case TermKind::Blank:
      out += "_:";
      append_blank_label(term.value, out);
      break;
    case TermKind::Literal:
      out.push_back('"');
      append_escaped(term.value, false, out);
      out.push_back('"');
      if (!term.language.empty()) {
        out.push_back('@');
        out += term.language;
      } else if (!term.datatype.empty()) {
        out += "^^<";
        append_escaped(term.datatype, true, out);
        out.push_back('>');
      }
      break;
  }
}

std::string to_ntriples(const Term& term) {
  std::string out;
  append_ntriples(term, out);
  return out;
}

std::string unique_blank_prefix() {
  std::random_device rd;
  std::mt19937_64 rng(rd() ^
                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[24];
  std::snprintf(buf, sizeof buf, "q%012llxf", static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace quiver
