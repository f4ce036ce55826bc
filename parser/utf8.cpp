#include "parser/utf8.h"

#include <cstring>

namespace quiver {

int32_t decode_utf8(std::string_view text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t extra;
  uint32_t cp, min;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return -1;  // a continuation byte or 0xF8..0xFF
  }
  for (size_t i = 1; i <= extra; ++i) {
    if (pos + i >= text.size() || (byte(pos + i) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if (cp < min || !is_scalar_value(cp)) return -1;
  pos += extra + 1;
  return static_cast<int32_t>(cp);
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<Utf8Problem> find_invalid_utf8(std::string_view text, bool allow_nul) {
  size_t pos = 0;
  while (pos < text.size()) {
    // ASCII runs are the common case: skip them eight bytes at a time.
    while (pos + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + pos, 8);
      const bool any_high = word & 0x8080808080808080ULL;
      const bool any_zero = !allow_nul && ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL);
      if (any_high || any_zero) break;
      pos += 8;
    }
    if (pos >= text.size()) break;
    if (text[pos] == '\0' && !allow_nul) return Utf8Problem{pos, "a NUL byte"};
    if (decode_utf8(text, pos) < 0) return Utf8Problem{pos, "bytes that are not valid UTF-8"};
  }
  return std::nullopt;
}

TextPosition position_of(std::string_view text, size_t offset, uint64_t first_line) {
  TextPosition at{first_line, 1};
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') ++at.line, line_start = i + 1;
  at.column = offset - line_start + 1;
  return at;
}

std::string excerpt(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size() && out.size() < max_bytes) {
    const auto c = static_cast<unsigned char>(text[pos]);
    size_t next = pos;
    if (c >= 0x20 && c != 0x7F && decode_utf8(text, next) >= 0) {
      out.append(text.substr(pos, next - pos));
      pos = next;
      continue;
    }
    static const char* kHex = "0123456789ABCDEF";
    out += "\\x";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
    ++pos;
  }
  if (pos < text.size()) out += "…";
  return out;
}

bool xml_representable(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0xEF && text.substr(i, 3) >= "\xEF\xBF\xBE" && text.substr(i, 3) <= "\xEF\xBF\xBF") return false;
  }
  return true;
}

}  // namespace quiver
