// HTTP content negotiation for query results and graphs: the Accept header's media ranges with their
// q-values, or a `format` parameter (for browsers, which cannot set Accept on a link).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "parser/rdf_format.h"
#include "query/query.h"

namespace quiver::server {

// The format to answer in: for solutions (SELECT, ASK) or for a graph (CONSTRUCT, DESCRIBE). `format`, when
// it names a format of the right kind (a short name such as "json", or a media type), wins over `accept`. An
// empty or wildcard Accept gets SPARQL JSON results or N-Triples. nullopt when nothing acceptable is ours
// (406).
std::optional<query::ResultFormat> negotiate(std::string_view accept, std::string_view format, bool graph);
// The RDF syntax among `ours` (in order of preference) to answer in (the Graph Store Protocol's GET).
std::optional<RdfFormat> negotiate_rdf(std::string_view accept, const std::vector<RdfFormat>& ours);

}  // namespace quiver::server
