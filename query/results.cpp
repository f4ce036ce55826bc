// Result writers: SPARQL 1.1 Query Results JSON, XML, CSV and TSV as the W3C specs write them, an aligned
// table for people, and graphs through parser/'s RDF writers.
#include <algorithm>
#include <cstdio>

#include "parser/rdf_writer.h"
#include "parser/utf8.h"
#include "query/query.h"

namespace quiver::query {
namespace {

void put(std::FILE* out, const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), out);
}

// A raw CR becomes LF in any XML parser, and in attribute values TAB and LF become spaces: character
// references keep them.
std::string xml_escape(const std::string& s, bool attribute = false) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

class SolutionsOnly : public ResultSink {
 public:
  void start_graph() override { wrong(); }
  void triple(const Term&, const Term&, const Term&) override { wrong(); }

 private:
  [[noreturn]] static void wrong() {
    throw QueryError("this result format holds solutions, not graphs: choose ntriples or turtle");
  }
};

class JsonWriter : public SolutionsOnly {
 public:
  explicit JsonWriter(std::FILE* out) : out_(out) {}
  void start_solutions(const std::vector<std::string>& vars) override {
    vars_ = vars;
    put(out_, "{\"head\":{\"vars\":[");
    for (size_t i = 0; i < vars.size(); ++i) put(out_, (i ? ",\"" : "\"") + json_escape(vars[i]) + "\"");
    put(out_, "]},\"results\":{\"bindings\":[");
    solutions_ = true;
  }
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::string s = first_ ? "\n{" : ",\n{";
    first_ = false;
    bool any = false;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i]) continue;
      const Term& t = *values[i];
      s += (any ? ",\"" : "\"") + json_escape(vars_[i]) + "\":{\"type\":\"";
      any = true;
      s += t.kind == TermKind::Iri ? "uri" : t.kind == TermKind::Blank ? "bnode" : "literal";
      s += "\",\"value\":\"" + json_escape(t.value) + "\"";
      if (!t.language.empty()) s += ",\"xml:lang\":\"" + json_escape(t.language) + "\"";
      if (!t.datatype.empty()) s += ",\"datatype\":\"" + json_escape(t.datatype) + "\"";
      s += "}";
    }
    put(out_, s + "}");
  }
  void boolean(bool value) override {
    put(out_, std::string("{\"head\":{},\"boolean\":") + (value ? "true" : "false"));
  }
  void finish() override {
    put(out_, solutions_ ? "\n]}}\n" : "}\n");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::vector<std::string> vars_;
  bool first_ = true;
  bool solutions_ = false;
};

class XmlWriter : public SolutionsOnly {
 public:
  explicit XmlWriter(std::FILE* out) : out_(out) {
    put(out_, "<?xml version=\"1.0\"?>\n<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n");
  }
  void start_solutions(const std::vector<std::string>& vars) override {
    vars_ = vars;
    put(out_, "<head>\n");
    for (const auto& v : vars) put(out_, "  <variable name=\"" + xml_escape(v, true) + "\"/>\n");
    put(out_, "</head>\n<results>\n");
    solutions_ = true;
  }
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::string s = "  <result>\n";
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i]) continue;
      const Term& t = *values[i];
      if (!xml_representable(t.value) || !xml_representable(t.datatype))
        throw QueryError("a value holds a control character XML 1.0 cannot represent: choose json or tsv");
      s += "    <binding name=\"" + xml_escape(vars_[i], true) + "\">";
      if (t.kind == TermKind::Iri) {
        s += "<uri>" + xml_escape(t.value) + "</uri>";
      } else if (t.kind == TermKind::Blank) {
        s += "<bnode>" + xml_escape(t.value) + "</bnode>";
      } else {
        s += "<literal";
        if (!t.language.empty()) s += " xml:lang=\"" + xml_escape(t.language, true) + "\"";
        if (!t.datatype.empty()) s += " datatype=\"" + xml_escape(t.datatype, true) + "\"";
        s += ">" + xml_escape(t.value) + "</literal>";
      }
      s += "</binding>\n";
    }
    put(out_, s + "  </result>\n");
  }
  void boolean(bool value) override {
    put(out_, std::string("<head/>\n<boolean>") + (value ? "true" : "false") + "</boolean>\n");
  }
  void finish() override {
    if (solutions_) put(out_, "</results>\n");
    put(out_, "</sparql>\n");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::vector<std::string> vars_;
  bool solutions_ = false;
};

// CSV (values only, RFC 4180 quoting) and TSV (terms in N-Triples syntax), both with CRLF/LF as the specs
// say.
class DelimitedWriter : public SolutionsOnly {
 public:
  DelimitedWriter(std::FILE* out, bool tsv) : out_(out), tsv_(tsv) {}
  void start_solutions(const std::vector<std::string>& vars) override {
    std::string s;
    for (size_t i = 0; i < vars.size(); ++i)
      s += std::string(i ? (tsv_ ? "\t" : ",") : "") + (tsv_ ? "?" : "") + vars[i];
    put(out_, s + (tsv_ ? "\n" : "\r\n"));
  }
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::string s;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) s += tsv_ ? "\t" : ",";
      if (!values[i]) continue;
      s += tsv_ ? tsv_term(*values[i]) : csv_field(*values[i]);
    }
    put(out_, s + (tsv_ ? "\n" : "\r\n"));
  }
  void boolean(bool value) override {
    put(out_, std::string(value ? "true" : "false") + (tsv_ ? "\n" : "\r\n"));
  }
  void finish() override { std::fflush(out_); }

 private:
  static std::string csv_field(const Term& t) {
    std::string v = t.kind == TermKind::Blank ? "_:" + t.value : t.value;
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  static std::string tsv_term(const Term& t) {
    if (t.kind == TermKind::Literal && t.language.empty() &&
        (t.datatype == xsd::kInteger || t.datatype == xsd::kDecimal || t.datatype == xsd::kDouble ||
         t.datatype == xsd::kBoolean) &&
        inline_id(t.view()))
      return t.value;  // the short Turtle forms for canonical numbers and booleans
    return to_ntriples(t);
  }
  std::FILE* out_;
  bool tsv_;
};

// An aligned table for people; long values are cut at 60 characters.
class TableWriter : public SolutionsOnly {
 public:
  explicit TableWriter(std::FILE* out) : out_(out) {}
  void start_solutions(const std::vector<std::string>& vars) override {
    header_.clear();
    for (auto& v : vars) header_.push_back("?" + v);
  }
  void solution(const std::vector<std::optional<Term>>& values) override {
    std::vector<std::string> row;
    for (auto& v : values) {
      std::string s = v ? to_ntriples(*v) : "";
      if (s.size() > 60) {
        size_t cut = 57;  // on a character boundary: never inside a UTF-8 sequence
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s = s.substr(0, cut) + "...";
      }
      row.push_back(s);
    }
    rows_.push_back(std::move(row));
  }
  void boolean(bool value) override { put(out_, value ? "true\n" : "false\n"); }
  void finish() override {
    if (header_.empty() && rows_.empty()) return;
    std::vector<size_t> width;
    for (auto& h : header_) width.push_back(h.size());
    for (auto& r : rows_)
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
      std::string s;
      for (size_t i = 0; i < cells.size(); ++i)
        s += (i ? " | " : "") + cells[i] + std::string(width[i] - cells[i].size(), ' ');
      put(out_, s + "\n");
    };
    line(header_);
    std::string rule;
    for (size_t i = 0; i < width.size(); ++i) rule += (i ? "-+-" : "") + std::string(width[i], '-');
    put(out_, rule + "\n");
    for (auto& r : rows_) line(r);
    put(out_, "(" + std::to_string(rows_.size()) + (rows_.size() == 1 ? " solution)\n" : " solutions)\n"));
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

class GraphWriter : public ResultSink {
 public:
  GraphWriter(RdfFormat format, std::FILE* out) : writer_(format, out) {}
  void start_solutions(const std::vector<std::string>&) override { wrong(); }
  void start_graph() override {}
  void solution(const std::vector<std::optional<Term>>&) override { wrong(); }
  void boolean(bool) override { wrong(); }
  void triple(const Term& s, const Term& p, const Term& o) override { writer_.write(s, p, o, nullptr); }
  void finish() override { writer_.finish(); }

 private:
  [[noreturn]] static void wrong() {
    throw QueryError("this result format holds graphs, not solutions: choose table, json, xml, csv or tsv");
  }
  RdfWriter writer_;
};

}  // namespace

std::optional<ResultFormat> result_format_from_name(std::string_view name) {
  if (name == "table") return ResultFormat::Table;
  if (name == "json" || name == "srj") return ResultFormat::Json;
  if (name == "xml" || name == "srx") return ResultFormat::Xml;
  if (name == "csv") return ResultFormat::Csv;
  if (name == "tsv") return ResultFormat::Tsv;
  if (name == "ntriples" || name == "nt") return ResultFormat::NTriples;
  if (name == "turtle" || name == "ttl") return ResultFormat::Turtle;
  if (name == "rdfxml" || name == "rdf+xml") return ResultFormat::RdfXml;
  return std::nullopt;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string_view media_type(ResultFormat format) {
  switch (format) {
    case ResultFormat::Table:
      return "text/plain";
    case ResultFormat::Json:
      return "application/sparql-results+json";
    case ResultFormat::Xml:
      return "application/sparql-results+xml";
    case ResultFormat::Csv:
      return "text/csv";
    case ResultFormat::Tsv:
      return "text/tab-separated-values";
    case ResultFormat::NTriples:
      return "application/n-triples";
    case ResultFormat::Turtle:
      return "text/turtle";
    case ResultFormat::RdfXml:
      return "application/rdf+xml";
  }
  return "application/octet-stream";
}

std::optional<ResultFormat> result_format_from_media_type(std::string_view type) {
  // Not Table's text/plain, which names N-Triples below.
  for (ResultFormat f : {ResultFormat::Json, ResultFormat::Xml, ResultFormat::Csv, ResultFormat::Tsv,
                         ResultFormat::NTriples, ResultFormat::Turtle, ResultFormat::RdfXml})
    if (type == media_type(f)) return f;
  // Names clients send for the same formats.
  if (type == "application/json") return ResultFormat::Json;
  if (type == "application/xml" || type == "text/xml") return ResultFormat::Xml;
  if (type == "application/x-turtle") return ResultFormat::Turtle;
  if (type == "text/plain") return ResultFormat::NTriples;  // N-Triples' former media type
  return std::nullopt;
}

bool writes_graphs(ResultFormat format) {
  return format == ResultFormat::NTriples || format == ResultFormat::Turtle || format == ResultFormat::RdfXml;
}

std::unique_ptr<ResultSink> make_result_writer(ResultFormat format, std::FILE* out) {
  switch (format) {
    case ResultFormat::Table:
      return std::make_unique<TableWriter>(out);
    case ResultFormat::Json:
      return std::make_unique<JsonWriter>(out);
    case ResultFormat::Xml:
      return std::make_unique<XmlWriter>(out);
    case ResultFormat::Csv:
      return std::make_unique<DelimitedWriter>(out, false);
    case ResultFormat::Tsv:
      return std::make_unique<DelimitedWriter>(out, true);
    case ResultFormat::NTriples:
      return std::make_unique<GraphWriter>(RdfFormat::NTriples, out);
    case ResultFormat::Turtle:
      return std::make_unique<GraphWriter>(RdfFormat::Turtle, out);
    case ResultFormat::RdfXml:
      return std::make_unique<GraphWriter>(RdfFormat::RdfXml, out);
  }
  return nullptr;
}

}  // namespace quiver::query
