#include "parser/rdf_reader.h"

#include "parser/raptor_handles.h"

#include <raptor2.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
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

struct RdfReader::Impl {
  RdfFormat format;
  std::string base;
  RaptorWorld world;
  RaptorParser parser;

  // State of the parse in progress, read by the Raptor callbacks.
  const StatementHandler* on_statement = nullptr;
  const ErrorHandler* on_error = nullptr;
  std::string_view file;
  uint64_t first_line = 1;
  static void statement_cb(void* self, raptor_statement* st) {
    auto* impl = static_cast<Impl*>(self);
    const TermView g = st->graph ? view(st->graph) : TermView{};
    (*impl->on_statement)(view(st->subject), view(st->predicate), view(st->object), st->graph ? &g : nullptr);
  }

  static void log_cb(void* self, raptor_log_message* m) {
    auto* impl = static_cast<Impl*>(self);
    if (m->level < RAPTOR_LOG_LEVEL_ERROR || !impl->on_error) return;
    SyntaxError e;
    e.file = std::string(impl->file);
    if (m->locator && m->locator->line > 0) e.line = impl->first_line + m->locator->line - 1;
    if (m->locator && m->locator->column >= 0) e.column = m->locator->column + 1;
    e.message = m->text ? m->text : "syntax error";
    (*impl->on_error)(e);
  }

  void start(std::string_view name, uint64_t line, const StatementHandler& st, const ErrorHandler& err) {
    file = name;
    first_line = line;
    on_statement = &st;
    on_error = &err;
    // A fresh parser per document: Raptor keeps prefixes and blank-node state across parse_start calls.
    parser.reset(raptor_new_parser(world.get(), raptor_syntax(format)));
    if (!parser) throw std::runtime_error("Raptor has no parser for " + std::string(format_name(format)));
    raptor_parser_set_statement_handler(parser.get(), this, statement_cb);
    RaptorUri base_uri(raptor_new_uri(world.get(), reinterpret_cast<const unsigned char*>(base.c_str())));
    raptor_parser_parse_start(parser.get(), base_uri.get());
  }

  // Returns false when Raptor gave up on the document.
  bool feed(std::string_view data, bool end) {
    return raptor_parser_parse_chunk(parser.get(), reinterpret_cast<const unsigned char*>(data.data()),
                                     data.size(), end) == 0;
  }
};

RdfReader::RdfReader(RdfFormat format, std::string base_iri) : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->base = base_iri.empty() ? "file:///" : std::move(base_iri);
  impl_->world = open_raptor_world();
  raptor_world_set_log_handler(impl_->world.get(), impl_.get(), Impl::log_cb);
}

RdfReader::~RdfReader() = default;

void RdfReader::parse(std::string_view document, std::string_view file, uint64_t first_line,
                      const StatementHandler& on_statement, const ErrorHandler& on_error) {
  impl_->start(file, first_line, on_statement, on_error);
  impl_->feed(document, true);
}

void RdfReader::parse_file(const std::filesystem::path& path, const StatementHandler& on_statement,
                           const ErrorHandler& on_error) {
  const std::string name = path.string();
  impl_->start(name, 1, on_statement, on_error);
  bool alive = true;
  read_file_blocks(path, 1 << 20, [&](std::string_view block) {
    if (alive) alive = impl_->feed(block, false);
  });
  if (alive) impl_->feed({}, true);
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
