#include "server/negotiation.h"

#include <algorithm>
#include <string>
#include <vector>

namespace quiver::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct MediaRange {
  std::string type;  // "text/csv", "text/*", "*/*"
  double q = 1;
  size_t order = 0;
};

std::vector<MediaRange> media_ranges(std::string_view accept) {
  std::vector<MediaRange> ranges;
  while (!accept.empty()) {
    const size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    MediaRange range;
    range.order = ranges.size();
    const size_t semicolon = item.find(';');
    range.type = lower(trim(item.substr(0, semicolon)));
    for (std::string_view params = semicolon == std::string_view::npos ? "" : item.substr(semicolon + 1);
         !params.empty();) {
      const size_t next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        range.q = std::clamp(std::atof(std::string(param.substr(2)).c_str()), 0.0, 1.0);
    }
    if (!range.type.empty()) ranges.push_back(std::move(range));
  }
  return ranges;
}

// The format of `ours` (in order of preference) the Accept header's ranges prefer, by their media types
// (`type_of`; `from_type` also knows other names of a type); the first when Accept is empty.
template <class Format, class TypeOf, class FromType>
std::optional<Format> preferred(std::string_view accept, const std::vector<Format>& ours, TypeOf type_of,
                                FromType from_type) {
  const std::vector<MediaRange> ranges = media_ranges(accept);
  if (ranges.empty()) return ours.front();
  auto matches = [&](const std::string& range, Format f) {
    const std::string_view type = type_of(f);
    if (range == "*/*") return true;
    if (range.size() > 2 && range.ends_with("/*")) return type.starts_with(range.substr(0, range.size() - 1));
    return from_type(range) == f;
  };
  // A format named with q=0 is refused even where a wildcard would take it.
  auto refused = [&](Format f) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [&](const MediaRange& r) { return r.q <= 0 && from_type(r.type) == f; });
  };
  // The highest q wins; among equals, the more specific range, then the one listed first.
  std::optional<Format> best;
  double best_q = 0;
  int best_specificity = -1;
  size_t best_order = 0;
  for (const MediaRange& range : ranges) {
    if (range.q <= 0) continue;
    const int specificity = range.type == "*/*" ? 0 : range.type.ends_with("/*") ? 1 : 2;
    for (Format f : ours) {
      if (!matches(range.type, f) || refused(f)) continue;
      const bool better = range.q > best_q || (range.q == best_q && specificity > best_specificity) ||
                          (range.q == best_q && specificity == best_specificity && range.order < best_order);
      if (better) best = f, best_q = range.q, best_specificity = specificity, best_order = range.order;
      break;
    }
  }
  return best;
}

}  // namespace

std::optional<query::ResultFormat> negotiate(std::string_view accept, std::string_view format, bool graph) {
  using query::ResultFormat;
  if (!format.empty()) {
    auto named = query::result_format_from_name(lower(format));
    if (!named) named = query::result_format_from_media_type(lower(format));
    if (graph && named == ResultFormat::Xml) named = ResultFormat::RdfXml;  // "xml" for a graph
    if (named && query::writes_graphs(*named) == graph && *named != ResultFormat::Table) return named;
    // Not a format of this kind of result (a client library's generic name for what it also says in
    // Accept): the Accept header decides.
  }
  // Ours in the order preferred when a range matches several (a wildcard).
  const std::vector<ResultFormat> ours =
      graph ? std::vector<ResultFormat>{ResultFormat::NTriples, ResultFormat::Turtle, ResultFormat::RdfXml}
            : std::vector<ResultFormat>{ResultFormat::Json, ResultFormat::Xml, ResultFormat::Csv,
                                        ResultFormat::Tsv};
  return preferred(accept, ours, query::media_type, query::result_format_from_media_type);
}

std::optional<RdfFormat> negotiate_rdf(std::string_view accept, const std::vector<RdfFormat>& ours) {
  return preferred(accept, ours, media_type, format_from_media_type);
}

}  // namespace quiver::server
