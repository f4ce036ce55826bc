#include "parser/rdf_reader.h"

#include "parser/ntriples_parser.h"
#include "parser/raptor_handles.h"
#include "parser/turtle_text_filter.h"
#include "parser/utf8.h"

#include <raptor2.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace quiver {
namespace {

struct GzDeleter {
  void operator()(gzFile f) const { gzclose(f); }
};

std::string_view uri_view(raptor_uri* uri) {
  size_t len = 0;
  const unsigned char* s = raptor_uri_as_counted_string(uri, &len);
  return {reinterpret_cast<const char*>(s), len};
}

// Views a Raptor term without copying it.
TermView view(const raptor_term* t) {
  TermView out;
  switch (t->type) {
    case RAPTOR_TERM_TYPE_URI:
      out.kind = TermKind::Iri;
      out.value = uri_view(t->value.uri);
      break;
    case RAPTOR_TERM_TYPE_BLANK:
      out.kind = TermKind::Blank;
      out.value = {reinterpret_cast<const char*>(t->value.blank.string), t->value.blank.string_len};
      break;
    case RAPTOR_TERM_TYPE_LITERAL: {
      const auto& lit = t->value.literal;
      out.kind = TermKind::Literal;
      out.value = {reinterpret_cast<const char*>(lit.string), lit.string_len};
      if (lit.language && lit.language_len) {
        out.language = {reinterpret_cast<const char*>(lit.language), lit.language_len};
      } else if (lit.datatype) {
        out.datatype = uri_view(lit.datatype);
        if (out.datatype == xsd::kString) out.datatype = {};
      }
      break;
    }
    default:
      out.kind = TermKind::Blank;
  }
  return out;
}

}  // namespace

std::string SyntaxError::to_string() const {
  std::string out = file;
  if (line) out += ":" + std::to_string(line);
  if (line && column) out += ":" + std::to_string(column);
  return out + ": " + message;
}

// Line-based formats go through NTriplesParser; the others through Raptor, which cannot resume after a
// syntax error: the first error ends the document, and the report says that the rest was not loaded.
struct RdfReader::Impl {
  RdfFormat format;
  std::string base;
  std::optional<NTriplesParser> lines;
  RaptorWorld world;
  RaptorParser parser;

  // State of the parse in progress, read by the Raptor callbacks.
  const StatementHandler* on_statement = nullptr;
  const ErrorHandler* on_error = nullptr;
  std::string_view file;
  uint64_t first_line = 1;
  bool stopped = false;  // an error ended the document: later statements and messages are dropped

  void report_stop(SyntaxError e) {
    if (stopped) return;
    stopped = true;
    e.message += e.line ? " (parsing stops here: nothing after line " + std::to_string(e.line) +
                              " of this file is loaded)"
                        : " (parsing stops here: nothing after this point of the file is loaded)";
    if (on_error) (*on_error)(e);
  }

  static void statement_cb(void* self, raptor_statement* st) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->stopped) return;
    const TermView g = st->graph ? view(st->graph) : TermView{};
    TermView o = view(st->object);
    if (impl->filter && o.kind == TermKind::Literal) o.value = impl->filter->restore(o.value, impl->literal);
    const TermView s = view(st->subject), p = view(st->predicate);
    // The document is valid UTF-8 (feed checks it), but Raptor turns \u and \U escapes of surrogates (and,
    // in IRIs, of code points beyond U+10FFFF) into bytes that are not: such a term is a syntax error.
    for (const TermView* t : std::initializer_list<const TermView*>{&s, &p, &o, st->graph ? &g : nullptr}) {
      if (!t) continue;
      for (std::string_view part : {t->value, t->datatype, t->language}) {
        if (const auto bad = find_invalid_utf8(part)) {
          SyntaxError e;
          e.file = std::string(impl->file);
          if (raptor_locator* at = raptor_parser_get_locator(impl->parser.get()); at && at->line > 0)
            e.line = impl->first_line + at->line - 1;
          e.message = "a \\u or \\U escape of a surrogate or of a code point beyond U+10FFFF";
          impl->report_stop(std::move(e));
          raptor_parser_parse_abort(impl->parser.get());
          return;
        }
      }
    }
    (*impl->on_statement)(s, p, o, st->graph ? &g : nullptr);
  }

  std::optional<TurtleTextFilter> filter;  // Turtle and TriG
  std::string literal;                     // a literal with its NULs restored
  bool quiet = false;                      // Raptor's messages are dropped while set

  static void log_cb(void* self, raptor_log_message* m) {
    auto* impl = static_cast<Impl*>(self);
    if (m->level < RAPTOR_LOG_LEVEL_ERROR || impl->stopped || impl->quiet) return;
    SyntaxError e;
    e.file = std::string(impl->file);
    // libxml's errors (RDF/XML) come without a locator: the parser's own says where it is.
    raptor_locator* at = m->locator && m->locator->line > 0 ? m->locator
                         : impl->parser                     ? raptor_parser_get_locator(impl->parser.get())
                                                            : nullptr;
    if (at && at->line > 0) e.line = impl->first_line + at->line - 1;
    if (at && at->line > 0 && at->column >= 0) e.column = at->column + 1;
    e.message = m->text ? excerpt(m->text, 300) : "syntax error";
    impl->report_stop(std::move(e));
  }

  void start(std::string_view name, uint64_t line, const StatementHandler& st, const ErrorHandler& err) {
    file = name;
    first_line = line;
    on_statement = &st;
    on_error = &err;
    stopped = false;
    if (lines) return;
    filter.reset();
    if (format == RdfFormat::Turtle || format == RdfFormat::TriG)
      filter.emplace(format == RdfFormat::TriG, base);
    // A fresh parser per document: Raptor keeps prefixes and blank-node state across parse_start calls.
    parser.reset(raptor_new_parser(world.get(), raptor_syntax(format)));
    if (!parser) throw std::runtime_error("Raptor has no parser for " + std::string(format_name(format)));
    raptor_parser_set_statement_handler(parser.get(), this, statement_cb);
    RaptorUri base_uri(raptor_new_uri(world.get(), reinterpret_cast<const unsigned char*>(base.c_str())));
    raptor_parser_parse_start(parser.get(), base_uri.get());
  }

  // Feeds Raptor the next piece of the document. Bytes that are not UTF-8 (RDF/XML declares its own
  // encoding, which libxml2 checks) or that the text filter refuses end the document: Raptor gets the
  // complete lines before them and finishes quietly, so every statement before the error is kept.
  // `line` is the piece's first line. Returns false once the document has ended in an error.
  bool feed(std::string_view data, uint64_t line, bool end) {
    if (stopped) return false;
    size_t stop;
    std::string reason;
    const auto bad = format == RdfFormat::RdfXml ? std::nullopt : find_invalid_utf8(data);
    if (bad) {
      stop = bad->offset;
      reason = bad->reason;
    } else {
      try {
        return raptor_parse(filter ? filter->rewrite(data) : data, end) && !stopped;
      } catch (const TextFilterError& e) {
        stop = e.offset;
        reason = e.message;
      }
    }
    // Each round moves the stop to an earlier error in the lines before it, if there is one.
    std::string_view text;
    for (;;) {
      text = data.substr(0, stop - (position_of(data, stop, line).column - 1));
      try {
        if (filter) text = filter->rewrite(text);
        break;
      } catch (const TextFilterError& e) {
        stop = e.offset;
        reason = e.message;
      }
    }
    quiet = true;
    raptor_parse(text, true);
    quiet = false;
    const TextPosition at = position_of(data, stop, line);
    report_stop({std::string(file), at.line, static_cast<int>(at.column), reason});
    return false;
  }

  bool raptor_parse(std::string_view data, bool end) {
    return raptor_parser_parse_chunk(parser.get(), reinterpret_cast<const unsigned char*>(data.data()),
                                     data.size(), end) == 0;
  }
};

RdfReader::RdfReader(RdfFormat format, std::string base_iri) : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->base = base_iri.empty() ? "file:///" : std::move(base_iri);
  if (is_line_based(format)) {
    impl_->lines.emplace(format == RdfFormat::NQuads);
    return;
  }
  impl_->world = open_raptor_world();
  raptor_world_set_log_handler(impl_->world.get(), impl_.get(), Impl::log_cb);
}

RdfReader::~RdfReader() = default;

void RdfReader::parse(std::string_view document, std::string_view file, uint64_t first_line,
                      const StatementHandler& on_statement, const ErrorHandler& on_error) {
  if (impl_->lines) return impl_->lines->parse(document, file, first_line, on_statement, on_error);
  impl_->start(file, first_line, on_statement, on_error);
  impl_->feed(document, first_line, true);
}

void RdfReader::parse_file(const std::filesystem::path& path, const StatementHandler& on_statement,
                           const ErrorHandler& on_error) {
  const std::string name = path.string();
  impl_->start(name, 1, on_statement, on_error);
  // Pieces end at a line end, so every piece is whole lines (and whole UTF-8 characters). A long stretch
  // without one (RDF/XML on one line) goes to Raptor cut before a space, which no escape or character
  // spans.
  std::string piece;
  uint64_t line = 1;
  bool alive = true;
  auto flush = [&](size_t length, bool end) {
    const std::string_view text = std::string_view(piece).substr(0, length);
    if (impl_->lines) {
      impl_->lines->parse(text, name, line, on_statement, on_error);
    } else if (alive) {
      alive = impl_->feed(text, line, end);
    }
    line += std::count(text.begin(), text.end(), '\n');
    piece.erase(0, length);
  };
  read_file_blocks(path, 1 << 20, [&](std::string_view block) {
    const size_t line_end = block.rfind('\n');
    piece.append(block);
    if (line_end != std::string_view::npos) {
      flush(piece.size() - block.size() + line_end + 1, false);
    } else if (!impl_->lines && piece.size() >= (4 << 20)) {
      const size_t space = piece.find_last_of(" \t\r");
      if (space != std::string::npos && space > 0) flush(space, false);
    }
  });
  flush(piece.size(), true);
}

void read_file_blocks(const std::filesystem::path& path, size_t block_size,
                      const std::function<void(std::string_view)>& sink) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw ParseError({name, 0, 0, "is a directory, not a file"});
  std::unique_ptr<gzFile_s, GzDeleter> in(gzopen(name.c_str(), "rb"));
  if (!in) throw ParseError({name, 0, 0, std::string("cannot open: ") + std::strerror(errno)});
  gzbuffer(in.get(), 256 * 1024);
  std::vector<char> buf(block_size);
  for (;;) {
    int n = gzread(in.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(in.get(), &code);
      throw ParseError({name, 0, 0,
                        code == Z_ERRNO ? std::string("read error: ") + std::strerror(errno)
                                        : std::string("corrupt or truncated gzip data (") + msg + ")"});
    }
    if (n == 0) break;
    sink(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  // zlib reports a gzip stream cut short only through gzerror after the last read.
  int code = 0;
  const char* msg = gzerror(in.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    throw ParseError({name, 0, 0, std::string("corrupt or truncated gzip data (") + msg + ")"});
}

}  // namespace quiver
