#include "parser/trig_keywords.h"

namespace quiver {
namespace {

bool is_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool equals_ignoring_case(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if ((word[i] | 0x20) != (keyword[i] | 0x20)) return false;
  return true;
}

// Where a keyword may start: after white space or the end of a statement or graph block.
bool starts_token(char previous) {
  return previous == ' ' || previous == '\t' || previous == '\n' || previous == '\r' || previous == '.' ||
         previous == '}';
}

}  // namespace

std::string_view TrigKeywords::rewrite(std::string_view piece) {
  out_.clear();
  bool changed = false;
  for (size_t i = 0; i < piece.size();) {
    const char c = piece[i];
    const char before = i > 0 ? piece[i - 1] : previous_;
    switch (state_) {
      case State::Comment:
        if (c == '\n' || c == '\r') state_ = State::Normal;
        break;
      case State::Iri:
        if (c == '>') {
          state_ = State::Normal;
          if (dot_after_iri_) {
            out_ += "> .";
            dot_after_iri_ = false;
            changed = true;
            ++i;
            continue;
          }
        }
        break;
      case State::String:
        if (c == '\\') {
          out_.append(piece.substr(i, 2));
          i += 2;
          continue;
        }
        if (c == quote_ || c == '\n') state_ = State::Normal;
        break;
      case State::LongString:
        if (c == '\\') {
          out_.append(piece.substr(i, 2));
          i += 2;
          continue;
        }
        if (piece.substr(i, 3) == std::string(3, quote_)) {
          out_.append(3, quote_);
          i += 3;
          state_ = State::Normal;
          continue;
        }
        break;
      case State::Normal:
        if (c == '#') {
          state_ = State::Comment;
        } else if (c == '<') {
          state_ = State::Iri;
        } else if (c == '"' || c == '\'') {
          quote_ = c;
          const bool long_string = piece.substr(i, 3) == std::string(3, c);
          state_ = long_string ? State::LongString : State::String;
          if (long_string) {
            out_.append(3, c);
            i += 3;
            continue;
          }
        } else if (is_letter(c) && starts_token(before)) {
          size_t end = i;
          while (end < piece.size() && is_letter(piece[end])) ++end;
          const std::string_view word = piece.substr(i, end - i);
          const char after = end < piece.size() ? piece[end] : '\n';
          const bool keyword_end = after == ' ' || after == '\t' || after == '<' || after == '\n';
          // GRAPH must name its graph: before a '{' it stays, for Raptor to refuse.
          const size_t next = piece.find_first_not_of(" \t\r\n", end);
          const bool names_graph = next == std::string_view::npos || piece[next] != '{';
          if (keyword_end && names_graph && equals_ignoring_case(word, "graph")) {
            out_.append(word.size(), ' ');
            changed = true;
          } else if (keyword_end &&
                     (equals_ignoring_case(word, "prefix") || equals_ignoring_case(word, "base"))) {
            out_ += word.size() == 4 ? "@base" : "@prefix";
            dot_after_iri_ = true;
            changed = true;
          } else {
            out_.append(word);
          }
          i = end;
          continue;
        }
        break;
    }
    out_.push_back(c);
    ++i;
  }
  if (!piece.empty()) previous_ = piece.back();
  return changed ? std::string_view(out_) : piece;
}

}  // namespace quiver
