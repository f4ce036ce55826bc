// Every result writer (make_result_writer): random solutions or triples are written to memory, the output
// is read back, and it must give the same solutions or graph. XML is read by Rasqal's query-results
// reader, JSON, TSV and CSV by the small readers below, the graph formats by RdfReader; the table
// (for people, values cut) is only written.
#include <rasqal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "parser/rdf_reader.h"
#include "parser/utf8.h"
#include "query/query.h"
#include "store/term_id.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/rdf_graph.h"

namespace {

using namespace quiver;
using Row = std::vector<std::optional<Term>>;

// Fuzz bytes consumed from the front; zeros once they run out.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool empty() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

// é, €, U+1D11E, U+FFFD, NBSP, NEL (a C1 control) and LINE SEPARATOR.
const char* const kWide[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E", "\xEF\xBF\xBD",
                             "\xC2\xA0", "\xC2\x85",     "\xE2\x80\xA8"};

// Up to 15 characters: ASCII from the bytes themselves (controls, NUL and markup included) or a multi-byte
// character, so every text is valid UTF-8.
std::string text(Bytes& in, bool any_ascii) {
  std::string s;
  for (int n = in.next() % 16; n > 0; --n) {
    const uint8_t b = in.next();
    if (b >= 0x80) {
      s += kWide[b % std::size(kWide)];
    } else if (any_ascii) {
      s += static_cast<char>(b);
    } else {
      // IRI characters: printable ASCII without the ones N-Triples forbids in IRIs. No '.' starts a path
      // segment: Turtle and RDF/XML readers resolve every IRI by RFC 3986, which removes dot segments
      // (<http://example.org/./a> is read as <http://example.org/a>), so those would not round-trip.
      char c = static_cast<char>(0x21 + b % 0x5e);
      if (c == '.' && (s.empty() || s.back() == '/')) c = '_';
      s += std::string_view("<>\"{}|^`\\").find(c) == std::string_view::npos ? c : '_';
    }
  }
  return s;
}

Term term(Bytes& in, bool literal_allowed) {
  const uint8_t kind = in.next() % (literal_allowed ? 6 : 2);
  if (kind == 0) return Term::iri("http://example.org/" + text(in, false));
  if (kind == 1) {
    std::string label = "b";
    for (int n = in.next() % 6; n > 0; --n) label += "0123456789abcdefXYZ_-"[in.next() % 21];
    return Term::blank(label);
  }
  std::string value = text(in, true);
  switch (in.next() % 8) {
    case 0:
      return Term::lang(value, std::vector<const char*>{"en", "en-gb", "de-ch-1901", "x-a1"}[in.next() % 4]);
    case 1:
      return Term::typed(value, "http://example.org/type" + text(in, false));
    case 2:  // numbers and booleans, canonical or not: TSV writes canonical ones bare
      value = std::vector<const char*>{"1", "-0", "007", "2.5", "1.0E1", "true", "0", "1e0"}[in.next() % 8];
      return Term::typed(value, std::vector<std::string_view>{xsd::kInteger, xsd::kDecimal, xsd::kDouble,
                                                              xsd::kBoolean}[in.next() % 4]);
    default:
      return Term::literal(value);
  }
}

std::string show(const std::optional<Term>& t) {
  return t ? to_ntriples(*t) : "UNDEF";
}

std::string show(const std::vector<Row>& rows) {
  std::string s;
  for (const auto& row : rows) {
    for (const auto& v : row) s += show(v) + " ";
    s += "\n";
  }
  return s.substr(0, 3000);
}

// Output written to memory through a FILE*.
struct Written {
  std::string text;
  bool rejected = false;
};

template <typename Fill>
Written write(query::ResultFormat format, Fill fill) {
  char* buffer = nullptr;
  size_t length = 0;
  std::FILE* out = open_memstream(&buffer, &length);
  Written w;
  try {
    auto writer = query::make_result_writer(format, out);
    fill(*writer);
  } catch (const std::exception&) {
    w.rejected = true;
  }
  std::fclose(out);
  w.text.assign(buffer, length);
  std::free(buffer);
  return w;
}

// ---- Rasqal's readers (JSON, XML)

rasqal_world* rasqal() {
  static rasqal_world* world = [] {
    rasqal_world* w = rasqal_new_world();
    rasqal_world_open(w);
    return w;
  }();
  return world;
}

std::string counted(const unsigned char* s, size_t n) {
  return s ? std::string(reinterpret_cast<const char*>(s), n) : std::string();
}

Term from_rasqal(rasqal_literal* l) {
  size_t n = 0;
  if (l->type == RASQAL_LITERAL_URI) {
    const unsigned char* s = raptor_uri_as_counted_string(l->value.uri, &n);
    return Term::iri(counted(s, n));
  }
  const std::string lexical = counted(l->string, l->string_len);
  if (l->type == RASQAL_LITERAL_BLANK) return Term::blank(lexical);
  if (l->language) return Term::lang(lexical, reinterpret_cast<const char*>(l->language));
  if (l->datatype) {
    const unsigned char* s = raptor_uri_as_counted_string(l->datatype, &n);
    return Term::typed(lexical, counted(s, n));
  }
  return Term::literal(lexical);
}

// The solutions Rasqal reads from `text` in `format` ("json", "xml"); nullopt when it cannot read them.
std::optional<std::vector<Row>> rasqal_read(const char* format, const std::string& text,
                                            const std::vector<std::string>& vars) {
  raptor_world* raptor = rasqal_world_get_raptor(rasqal());
  rasqal_query_results* results = rasqal_new_query_results2(rasqal(), nullptr, RASQAL_QUERY_RESULTS_BINDINGS);
  rasqal_query_results_formatter* formatter =
      rasqal_new_query_results_formatter(rasqal(), format, nullptr, nullptr);
  raptor_iostream* in = raptor_new_iostream_from_string(raptor, const_cast<char*>(text.data()), text.size());
  raptor_uri* base = raptor_new_uri(raptor, reinterpret_cast<const unsigned char*>("http://example.org/"));
  std::optional<std::vector<Row>> rows;
  if (rasqal_query_results_formatter_read(rasqal(), in, formatter, results, base) == 0) {
    rows.emplace();
    while (!rasqal_query_results_finished(results)) {
      Row row(vars.size());
      for (int i = 0; i < rasqal_query_results_get_bindings_count(results); ++i) {
        const unsigned char* name = rasqal_query_results_get_binding_name(results, i);
        rasqal_literal* value = rasqal_query_results_get_binding_value(results, i);
        if (!name || !value) continue;
        for (size_t v = 0; v < vars.size(); ++v)
          if (vars[v] == reinterpret_cast<const char*>(name)) row[v] = from_rasqal(value);
      }
      rows->push_back(std::move(row));
      if (rasqal_query_results_next(results)) break;
    }
  }
  raptor_free_uri(base);
  raptor_free_iostream(in);
  rasqal_free_query_results_formatter(formatter);
  rasqal_free_query_results(results);
  return rows;
}

// ---- JSON (Rasqal 0.9.33 writes SPARQL JSON results but cannot read them): a strict reader of RFC 8259.

struct Json {
  enum class Kind { Null, Boolean, Number, String, Array, Object } kind = Kind::Null;
  std::string text;  // String; Number as written; Boolean "true"/"false"
  std::vector<Json> items;
  std::vector<std::string> keys;  // Object: keys[i] names values[i]
  std::vector<Json> values;
  const Json* get(std::string_view key) const {
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &values[i];
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}
  Json document() {
    Json j = value();
    space();
    QUIVER_FUZZ_CHECK(i_ == s_.size(), "text after the JSON value");
    return j;
  }

 private:
  [[noreturn]] void bad(const std::string& what) {
    quiver::fuzz::fail("JSON output is not JSON: " + what + " at byte " + std::to_string(i_) + " of\n" +
                       std::string(s_.substr(0, 3000)));
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  void expect(char c) {
    space();
    if (i_ >= s_.size() || s_[i_] != c) bad(std::string("expected ") + c);
    ++i_;
  }
  bool accept(char c) {
    space();
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  uint32_t hex4() {
    if (i_ + 4 > s_.size()) bad("short \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v = v * 16 + (c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : (bad("bad hex digit"), 0));
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (i_ >= s_.size()) bad("unterminated string");
      const unsigned char c = s_[i_++];
      if (c == '"') return out;
      if (c < 0x20) bad("raw control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) bad("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(i_, 2) != "\\u") bad("lone high surrogate");
            i_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) bad("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad("lone low surrogate");
          }
          append_utf8(cp, out);
          break;
        }
        default:
          bad("unknown escape");
      }
    }
  }
  Json value() {
    space();
    Json j;
    if (i_ >= s_.size()) bad("missing value");
    const char c = s_[i_];
    if (c == '{') {
      j.kind = Json::Kind::Object;
      ++i_;
      if (!accept('}')) {
        do {
          j.keys.push_back(string());
          expect(':');
          j.values.push_back(value());
        } while (accept(','));
        expect('}');
      }
    } else if (c == '[') {
      j.kind = Json::Kind::Array;
      ++i_;
      if (!accept(']')) {
        do j.items.push_back(value());
        while (accept(','));
        expect(']');
      }
    } else if (c == '"') {
      j.kind = Json::Kind::String;
      j.text = string();
    } else if (s_.substr(i_, 4) == "true" || s_.substr(i_, 5) == "false") {
      j.kind = Json::Kind::Boolean;
      j.text = c == 't' ? "true" : "false";
      i_ += j.text.size();
    } else {
      bad("unexpected character");
    }
    return j;
  }
  std::string_view s_;
  size_t i_ = 0;
};

std::vector<Row> json_read(const std::string& text, const std::vector<std::string>& vars) {
  const Json doc = JsonReader(text).document();
  const Json* head = doc.get("head");
  const Json* head_vars = head ? head->get("vars") : nullptr;
  QUIVER_FUZZ_CHECK(head_vars && head_vars->items.size() == vars.size(), "JSON head.vars");
  for (size_t v = 0; v < vars.size(); ++v)
    QUIVER_FUZZ_CHECK(head_vars->items[v].text == vars[v], "JSON variable " + head_vars->items[v].text);
  const Json* results = doc.get("results");
  const Json* bindings = results ? results->get("bindings") : nullptr;
  QUIVER_FUZZ_CHECK(bindings && bindings->kind == Json::Kind::Array, "JSON results.bindings");
  std::vector<Row> rows;
  for (const Json& solution : bindings->items) {
    Row row(vars.size());
    for (size_t m = 0; m < solution.keys.size(); ++m) {
      const std::string& name = solution.keys[m];
      const Json& binding = solution.values[m];
      const auto at = std::find(vars.begin(), vars.end(), name);
      QUIVER_FUZZ_CHECK(at != vars.end(), "JSON binding of an unknown variable " + name);
      const Json* type = binding.get("type");
      const Json* value = binding.get("value");
      QUIVER_FUZZ_CHECK(type && value, "JSON binding without type or value");
      Term t;
      if (type->text == "uri") {
        t = Term::iri(value->text);
      } else if (type->text == "bnode") {
        t = Term::blank(value->text);
      } else {
        QUIVER_FUZZ_CHECK(type->text == "literal", "JSON binding type " + type->text);
        const Json* lang = binding.get("xml:lang");
        const Json* datatype = binding.get("datatype");
        t = lang       ? Term::lang(value->text, lang->text)
            : datatype ? Term::typed(value->text, datatype->text)
                       : Term::literal(value->text);
      }
      row[at - vars.begin()] = std::move(t);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- TSV and CSV

std::vector<std::string> split(std::string_view line, char separator) {
  std::vector<std::string> cells(1);
  for (char c : line) {
    if (c == separator)
      cells.emplace_back();
    else
      cells.back() += c;
  }
  return cells;
}

// A TSV cell: a term in N-Triples syntax or, for canonical numbers and booleans, the bare Turtle form.
std::optional<Term> tsv_cell(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  if (cell == "true" || cell == "false") return Term::typed(cell, xsd::kBoolean);
  if (cell[0] != '<' && cell[0] != '"' && cell[0] != '_') {
    const bool exponent = cell.find_first_of("eE") != std::string::npos;
    return Term::typed(cell, exponent                              ? xsd::kDouble
                             : cell.find('.') != std::string::npos ? xsd::kDecimal
                                                                   : xsd::kInteger);
  }
  std::optional<Term> object;
  RdfReader reader(RdfFormat::NTriples, "http://example.org/");
  reader.parse(
      "<http://s> <http://p> " + cell + " .\n", "tsv", 1,
      [&](const TermView&, const TermView&, const TermView& o, const TermView*) { object = o.to_term(); },
      [&](const SyntaxError& e) { quiver::fuzz::fail("TSV cell " + cell + " is no term: " + e.message); });
  return object;
}

std::vector<Row> tsv_read(const std::string& text, size_t columns) {
  std::vector<Row> rows;
  QUIVER_FUZZ_CHECK(!text.empty() && text.back() == '\n', "TSV output does not end with a line end");
  size_t start = text.find('\n') + 1;  // the header
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const auto cells = split(std::string_view(text).substr(start, end - start), '\t');
    QUIVER_FUZZ_CHECK(cells.size() == columns, "a TSV line with " + std::to_string(cells.size()) + " cells");
    Row row;
    for (const auto& cell : cells) row.push_back(tsv_cell(cell));
    rows.push_back(std::move(row));
    start = end + 1;
  }
  return rows;
}

// RFC 4180: fields quoted when they hold a comma, quote or line end; records end with CRLF.
std::vector<std::vector<std::string>> csv_read(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        record.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        record.back() += c;
      }
    } else if (c == '"') {
      QUIVER_FUZZ_CHECK(record.back().empty(), "a quote inside an unquoted CSV field");
      quoted = true;
    } else if (c == ',') {
      record.emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      records.push_back(std::move(record));
      record.assign(1, "");
      ++i;
    } else {
      QUIVER_FUZZ_CHECK(c != '\r' && c != '\n', "a bare line end in an unquoted CSV field");
      record.back() += c;
    }
  }
  QUIVER_FUZZ_CHECK(!quoted && record.size() == 1 && record[0].empty(), "CSV output does not end a record");
  return records;
}

// Rasqal's reader rewrites numbers and booleans in its canonical form ("007"^^xsd:double comes back as
// "7.0E0"): for those datatypes the values are compared.
bool same_value(const Term& written, const Term& read) {
  if (written == read) return true;
  if (written.kind != TermKind::Literal || written.datatype != read.datatype) return false;
  const std::string& dt = written.datatype;
  if (dt == xsd::kBoolean) {
    auto truth = [](const std::string& v) {
      return v == "true" || v == "1" ? 1 : v == "false" || v == "0" ? 0 : -1;
    };
    return truth(written.value) >= 0 && truth(written.value) == truth(read.value);
  }
  if (dt != xsd::kInteger && dt != xsd::kDecimal && dt != xsd::kDouble) return false;
  char *end1 = nullptr, *end2 = nullptr;
  const double a = std::strtod(written.value.c_str(), &end1), b = std::strtod(read.value.c_str(), &end2);
  return !written.value.empty() && !*end1 && !read.value.empty() && !*end2 && a == b;
}

bool same_solutions(const std::vector<Row>& written, const std::vector<Row>& read) {
  if (written.size() != read.size()) return false;
  for (size_t r = 0; r < written.size(); ++r) {
    if (written[r].size() != read[r].size()) return false;
    for (size_t v = 0; v < written[r].size(); ++v) {
      const auto &a = written[r][v], &b = read[r][v];
      if (a.has_value() != b.has_value() || (a && !same_value(*a, *b))) return false;
    }
  }
  return true;
}

// ---- the checks

bool xml_representable(const Term& t) {
  return quiver::xml_representable(t.value) && quiver::xml_representable(t.datatype);
}

bool xml_representable(const std::vector<Row>& rows) {
  for (const auto& row : rows)
    for (const auto& v : row)
      if (v && !xml_representable(*v)) return false;
  return true;
}

void check_solutions(Bytes& in) {
  std::vector<std::string> vars;
  for (int n = 1 + in.next() % 4; n > 0; --n)
    vars.push_back(std::string(1, "abcxyzAZ_"[in.next() % 9]) + std::to_string(vars.size()) +
                   (in.next() % 4 == 0 ? "\xC3\xA9" : ""));
  std::vector<Row> rows;
  for (int n = in.next() % 6; n > 0 && !in.empty(); --n) {
    Row row;
    for (size_t v = 0; v < vars.size(); ++v) {
      if (in.next() % 5 == 0)
        row.emplace_back();
      else
        row.push_back(term(in, true));
    }
    rows.push_back(std::move(row));
  }
  auto fill = [&](query::ResultSink& sink) {
    sink.start_solutions(vars);
    for (const auto& row : rows) sink.solution(row);
    sink.finish();
  };

  const Written json = write(query::ResultFormat::Json, fill);
  QUIVER_FUZZ_CHECK(!find_invalid_utf8(json.text), "JSON output is not UTF-8");
  const auto json_rows = json_read(json.text, vars);
  QUIVER_FUZZ_CHECK(json_rows == rows, "JSON reads back as other solutions:\n" + show(rows) + "read back:\n" +
                                           show(json_rows) + "output:\n" + json.text.substr(0, 3000));

  // XML 1.0 cannot hold some control characters: the writer must refuse those solutions, and only those.
  const Written xml = write(query::ResultFormat::Xml, fill);
  QUIVER_FUZZ_CHECK(xml.rejected == !xml_representable(rows),
                    "XML refuses representable solutions or writes others");
  if (!xml.rejected) {
    QUIVER_FUZZ_CHECK(!find_invalid_utf8(xml.text), "XML output is not UTF-8");
    const auto xml_rows = rasqal_read("xml", xml.text, vars);
    QUIVER_FUZZ_CHECK(xml_rows.has_value(), "XML output cannot be read back:\n" + xml.text.substr(0, 3000));
    QUIVER_FUZZ_CHECK(same_solutions(rows, *xml_rows), "XML reads back as other solutions:\n" + show(rows) +
                                                           "read back:\n" + show(*xml_rows) + "output:\n" +
                                                           xml.text.substr(0, 3000));
  }

  const Written tsv = write(query::ResultFormat::Tsv, fill);
  const auto tsv_rows = tsv_read(tsv.text, vars.size());
  QUIVER_FUZZ_CHECK(tsv_rows == rows, "TSV reads back as other solutions:\n" + show(rows) + "read back:\n" +
                                          show(tsv_rows) + "output:\n" + tsv.text.substr(0, 3000));

  const Written csv = write(query::ResultFormat::Csv, fill);
  const auto records = csv_read(csv.text);
  QUIVER_FUZZ_CHECK(records.size() == rows.size() + 1, "CSV has another number of records");
  for (size_t r = 0; r < rows.size(); ++r) {
    QUIVER_FUZZ_CHECK(records[r + 1].size() == vars.size(), "a CSV record with another number of fields");
    for (size_t v = 0; v < vars.size(); ++v) {
      const auto& t = rows[r][v];
      const std::string expected = !t ? "" : t->kind == TermKind::Blank ? "_:" + t->value : t->value;
      QUIVER_FUZZ_CHECK(records[r + 1][v] == expected, "CSV field " + records[r + 1][v] + " for " + show(t));
    }
  }

  const Written table = write(query::ResultFormat::Table, fill);
  QUIVER_FUZZ_CHECK(!find_invalid_utf8(table.text), "the table cuts a value inside a character");
  for (auto format :
       {query::ResultFormat::NTriples, query::ResultFormat::Turtle, query::ResultFormat::RdfXml})
    QUIVER_FUZZ_CHECK(write(format, fill).rejected, "a graph format accepts solutions");
}

void check_graph(Bytes& in) {
  std::vector<testing::TermQuad> triples;
  while (!in.empty() && triples.size() < 8) {
    Term s = term(in, false), o = term(in, true);
    std::string p = "http://example.org/p";
    for (int n = in.next() % 4; n > 0; --n) p += "abcxyz019"[in.next() % 9];
    triples.push_back({s, Term::iri(p), o, Term::iri("")});
  }
  auto fill = [&](query::ResultSink& sink) {
    sink.start_graph();
    for (const auto& t : triples) sink.triple(t[0], t[1], t[2]);
    sink.finish();
  };
  for (const auto& [format, rdf_format] : {std::pair{query::ResultFormat::NTriples, RdfFormat::NTriples},
                                           {query::ResultFormat::Turtle, RdfFormat::Turtle},
                                           {query::ResultFormat::RdfXml, RdfFormat::RdfXml}}) {
    const RdfFormat rdf = rdf_format;
    const Written w = write(format, fill);
    bool representable = true;
    for (const auto& t : triples)
      representable = representable && xml_representable(t[0]) && xml_representable(t[2]) &&
                      t[2].value.find('\x7f') == std::string::npos;  // Raptor cannot write U+007F either
    if (rdf == RdfFormat::RdfXml && !representable) {
      QUIVER_FUZZ_CHECK(w.rejected, "RDF/XML writes a graph XML cannot hold");
      continue;
    }
    QUIVER_FUZZ_CHECK(!w.rejected, std::string(format_name(rdf)) + " rejects a graph");
    std::vector<testing::TermQuad> back;
    RdfReader reader(rdf, "http://example.org/");
    reader.parse(
        w.text, "out", 1,
        [&](const TermView& s, const TermView& p, const TermView& o, const TermView*) {
          back.push_back({s.to_term(), p.to_term(), o.to_term(), Term::iri("")});
        },
        [&](const SyntaxError& e) {
          quiver::fuzz::fail(std::string(format_name(rdf)) + " output does not parse: " + e.to_string() +
                             "\n" + w.text.substr(0, 3000));
        });
    QUIVER_FUZZ_CHECK(testing::isomorphic(triples, back),
                      std::string(format_name(rdf)) + " output reads back as another graph:\n" +
                          testing::describe(triples) + "read back:\n" + testing::describe(back) +
                          "output:\n" + w.text.substr(0, 3000));
  }
  for (auto format : {query::ResultFormat::Json, query::ResultFormat::Xml, query::ResultFormat::Csv,
                      query::ResultFormat::Tsv, query::ResultFormat::Table})
    QUIVER_FUZZ_CHECK(write(format, fill).rejected, "a solutions format accepts a graph");
}

}  // namespace

QUIVER_FUZZ_TARGET(result_writers) {
  Bytes in(data, size);
  switch (in.next() % 3) {
    case 0:
      check_solutions(in);
      break;
    case 1:
      check_graph(in);
      break;
    default: {
      const bool value = in.next() & 1;
      for (auto format : {query::ResultFormat::Json, query::ResultFormat::Xml, query::ResultFormat::Csv,
                          query::ResultFormat::Tsv, query::ResultFormat::Table}) {
        const Written w = write(format, [&](query::ResultSink& sink) {
          sink.boolean(value);
          sink.finish();
        });
        QUIVER_FUZZ_CHECK(w.text.find(value ? "true" : "false") != std::string::npos, "a boolean is lost");
      }
    }
  }
  return 0;
}
