// Streaming RDF reading through Raptor2. A reader owns one Raptor world and parser and is used by one thread
// at a time; parallel loading gives each thread its own reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "parser/rdf_format.h"
#include "store/term.h"

namespace quiver {

// Where a syntax error is and what Raptor said about it.
struct SyntaxError {
  std::string file;
  uint64_t line = 0;  // 1-based; 0 when unknown
  int column = 0;     // 1-based; 0 when unknown
  std::string message;
  std::string to_string() const;  // "file:line:column: message"
};

class ParseError : public std::runtime_error {
 public:
  explicit ParseError(SyntaxError e) : std::runtime_error(e.to_string()), error(std::move(e)) {}
  SyntaxError error;
};

// Called for every statement; `graph` is null for the default graph. The views point into the parser's
// buffers and are valid only during the call.
using StatementHandler =
    std::function<void(const TermView& s, const TermView& p, const TermView& o, const TermView* graph)>;
// Called for every syntax error. For line-based formats reading continues on the next line; for the others
// the error ends the document.
using ErrorHandler = std::function<void(const SyntaxError&)>;

class RdfReader {
 public:
  RdfReader(RdfFormat format, std::string base_iri);
  ~RdfReader();
  RdfReader(const RdfReader&) = delete;
  RdfReader& operator=(const RdfReader&) = delete;

  // Parses a complete document held in memory. `first_line` numbers the first line (for chunks of a larger
  // line-based file) and `file` names it in errors.
  void parse(std::string_view document, std::string_view file, uint64_t first_line,
             const StatementHandler& on_statement, const ErrorHandler& on_error);

  // Streams a file (gzip-compressed or not) through the parser. Throws ParseError when the file cannot be
  // read or its compression is corrupt.
  void parse_file(const std::filesystem::path& path, const StatementHandler& on_statement,
                  const ErrorHandler& on_error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a file through zlib (plain files pass through), calling `sink` with blocks of bytes. Throws
// ParseError naming the file when it cannot be opened or the gzip data is corrupt or truncated.
void read_file_blocks(const std::filesystem::path& path, size_t block_size,
                      const std::function<void(std::string_view)>& sink);

}  // namespace quiver
