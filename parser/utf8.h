// Strict UTF-8: every entry point checks its bytes with these before anything is stored or echoed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quiver {

// Decodes the code point starting at `text[pos]` and advances `pos` past it. Returns -1, leaving `pos`
// alone, for anything RFC 3629 forbids: a stray continuation byte, an overlong form, a surrogate, a value
// beyond U+10FFFF or a sequence cut short.
int32_t decode_utf8(std::string_view text, size_t& pos);

// Appends `cp` (a valid scalar value) as UTF-8.
void append_utf8(uint32_t cp, std::string& out);

inline bool is_scalar_value(uint32_t cp) {
  return cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
}

// Where the first byte that is not valid UTF-8 sits. NUL is valid UTF-8 (and valid in RDF literals) but
// not in SPARQL text, whose callers refuse it with `allow_nul` false.
struct Utf8Problem {
  size_t offset;
  const char* reason;
};
std::optional<Utf8Problem> find_invalid_utf8(std::string_view text, bool allow_nul = true);

// Whether XML 1.0 can hold `text`: it has no way to write most C0 controls (not even as character
// references), nor U+FFFE and U+FFFF. `text` is valid UTF-8.
bool xml_representable(std::string_view text);

// 1-based line and column (in bytes) of `offset` in `text`, counting lines from `first_line`.
struct TextPosition {
  uint64_t line;
  uint64_t column;
};
TextPosition position_of(std::string_view text, size_t offset, uint64_t first_line = 1);

// The start of `text`, at most `max_bytes` of it, cut on a character boundary, with
// "…" when cut, and control bytes shown as \xNN, so an error message stays short and printable.
std::string excerpt(std::string_view text, size_t max_bytes = 120);

}  // namespace quiver
