#include "query/text_search_call.h"

#include <cstdlib>
#include <string>

#include "query/frontend.h"

namespace quiver::query {
namespace {

// The parameter a configuration triple's predicate names: its local name in either namespace.
std::optional<std::string> parameter_of(const PatternTerm& predicate) {
  if (predicate.var || predicate.constant.kind != TermKind::Iri) return std::nullopt;
  for (std::string_view ns : {kNeptuneFtsNamespace, kQuiverFtsNamespace})
    if (predicate.constant.value.starts_with(ns)) return predicate.constant.value.substr(ns.size());
  return std::nullopt;
}

bool is_config(const PatternTerm& subject) {
  const auto name = parameter_of(subject);
  return name && *name == "config";
}

const std::string& text_value(const std::string& parameter, const PatternTerm& value) {
  if (value.var || value.constant.kind == TermKind::Blank)
    throw QueryError("neptune-fts:" + parameter + " takes a literal or an IRI, not a variable");
  return value.constant.value;
}

VarId variable_value(const std::string& parameter, const PatternTerm& value) {
  if (!value.var) throw QueryError("neptune-fts:" + parameter + " takes a variable");
  return *value.var;
}

double number_value(const std::string& parameter, const PatternTerm& value, bool whole) {
  const std::string& text = text_value(parameter, value);
  char* end = nullptr;
  const double n = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || n < 0 || (whole && n != static_cast<double>(static_cast<long long>(n))))
    throw QueryError("neptune-fts:" + parameter + " takes " + (whole ? "a whole number" : "a number") +
                     ", not '" + text + "'");
  return n;
}

}  // namespace

bool is_text_search_service(std::string_view iri) {
  for (std::string_view ns : {kNeptuneFtsNamespace, kQuiverFtsNamespace})
    if (iri.starts_with(ns) && iri.substr(ns.size()) == "search") return true;
  return false;
}

TextSearchCall read_text_search_call(const std::vector<TriplePattern>& config, bool silent) {
  TextSearchCall call;
  call.silent = silent;
  bool has_query = false, has_return = false;
  for (const TriplePattern& t : config) {
    const auto parameter = parameter_of(t.p);
    if (!is_config(t.s) || !parameter)
      throw QueryError(
          "inside SERVICE neptune-fts:search only configuration triples may appear (neptune-fts:config "
          "neptune-fts:<parameter> <value>)");
    const std::string& name = *parameter;
    if (name == "query") {
      call.request.text = text_value(name, t.o);
      has_query = true;
    } else if (name == "return") {
      call.subject = variable_value(name, t.o);
      has_return = true;
    } else if (name == "score") {
      call.score = variable_value(name, t.o);
    } else if (name == "matched") {
      call.matched = variable_value(name, t.o);
    } else if (name == "predicate") {
      call.predicate = variable_value(name, t.o);
    } else if (name == "field") {
      call.request.fields.push_back(text_value(name, t.o));
    } else if (name == "queryType") {
      const auto type = fulltext::query_type_named(text_value(name, t.o));
      if (!type)
        throw QueryError(
            "neptune-fts:queryType is simple_query_string, query_string, match, prefix, fuzzy or "
            "term, not '" +
            t.o.constant.value + "'");
      call.request.type = *type;
    } else if (name == "maxResults") {
      call.request.max_results = static_cast<size_t>(number_value(name, t.o, true));
    } else if (name == "minScore") {
      call.request.min_score = number_value(name, t.o, false);
    } else if (name == "lang") {
      call.request.language = text_value(name, t.o);
    } else if (name == "batchSize") {
      number_value(name, t.o,
                   true);  // the page size of an external engine's answers: the embedded index has none
    } else if (name == "endpoint" || name == "sortBy" || name == "sortOrder" || name == "snippet" ||
               name == "graph") {
      throw QueryError(QueryError::Kind::Unsupported,
                       "neptune-fts:" + name + " is not supported yet: searches run on the embedded index");
    } else {
      throw QueryError("neptune-fts:" + name + " is not a full-text search parameter");
    }
  }
  call.request.with_matches = call.matched || call.predicate;
  if (!has_query)
    throw QueryError("SERVICE neptune-fts:search needs neptune-fts:query, the text to search for");
  if (!has_return)
    throw QueryError(
        "SERVICE neptune-fts:search needs neptune-fts:return, the variable the subjects found bind");
  return call;
}

}  // namespace quiver::query
