#include "query/frontend.h"
#include "query/text_search_call.h"

#include "parser/iri.h"
#include "query/lowering.h"
#include "query/rasqal_world.h"

#include <rasqal.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace quiver::query {

QueryError stop_error(StopReason reason, const std::string& what) {
  return QueryError(reason == StopReason::Timeout ? QueryError::Kind::Timeout : QueryError::Kind::Cancelled,
                    what + " " + describe(reason));
}

namespace {

// Rasqal 0.9.33 keeps a sub-SELECT's projection and modifiers and an inline VALUES block in its internal
// graph-pattern struct, with no public accessor. These mirror the first fields of those structs (Debian's
// 0.9.33); `mirror()` checks the mirror against the public accessors before anything reads it.
struct RasqalProjection {
  rasqal_query* query;
  raptor_sequence* variables;
  unsigned int wildcard : 1;
  int distinct;
};
struct RasqalModifier {
  rasqal_query* query;
  raptor_sequence* order_conditions;
  raptor_sequence* group_conditions;
  raptor_sequence* having_conditions;
  int limit;
  int offset;
};
struct RasqalBindings {
  int usage;
  rasqal_query* query;
  raptor_sequence* variables;
  raptor_sequence* rows;
};
struct RasqalRow {
  int usage;
  void* rowsource;
  int offset;
  int size;
  rasqal_literal** values;
};
struct RasqalGraphPattern {
  rasqal_query* query;
  rasqal_graph_pattern_operator op;
  raptor_sequence* triples;
  raptor_sequence* graph_patterns;
  int start_column;
  int end_column;
  rasqal_expression* filter_expression;
  int gp_index;
  rasqal_literal* origin;
  rasqal_variable* var;
  RasqalProjection* projection;
  RasqalModifier* modifier;
  unsigned int silent : 1;
  raptor_sequence* data_graphs;
  RasqalBindings* bindings;
};

const RasqalGraphPattern& mirror(rasqal_graph_pattern* gp) {
  const auto* m = reinterpret_cast<const RasqalGraphPattern*>(gp);
  // GRAPH's graph and SERVICE's address share the field; each accessor answers for its own operator only.
  const rasqal_literal* origin = m->op == RASQAL_GRAPH_PATTERN_OPERATOR_SERVICE
                                     ? rasqal_graph_pattern_get_service(gp)
                                     : rasqal_graph_pattern_get_origin(gp);
  if (m->op != rasqal_graph_pattern_get_operator(gp) || m->gp_index != rasqal_graph_pattern_get_index(gp) ||
      m->origin != origin || m->var != rasqal_graph_pattern_get_variable(gp) ||
      m->filter_expression != rasqal_graph_pattern_get_filter_expression(gp))
    throw QueryError(
        "this Rasqal build's internal layout is not the one Quiver knows (0.9.33); sub-queries and "
        "inline VALUES are unavailable");
  return *m;
}

template <class T>
std::vector<T*> items(raptor_sequence* seq) {
  std::vector<T*> out;
  if (!seq) return out;
  for (int i = 0, n = raptor_sequence_size(seq); i < n; ++i)
    out.push_back(static_cast<T*>(raptor_sequence_get_at(seq, i)));
  return out;
}

std::string uri_string(raptor_uri* uri) {
  return reinterpret_cast<const char*>(raptor_uri_as_string(uri));
}

struct QueryDeleter {
  void operator()(rasqal_query* q) const { rasqal_free_query(q); }
};

struct ErrorSink {
  std::string message;
  int line = 0, column = 0;
  static void handler(void* data, raptor_log_message* m) {
    auto* sink = static_cast<ErrorSink*>(data);
    if (m->level < RAPTOR_LOG_LEVEL_ERROR || !sink->message.empty()) return;
    sink->message = m->text ? m->text : "syntax error";
    if (m->locator) {
      sink->line = m->locator->line;
      sink->column = m->locator->column;
    }
  }
};

const std::map<rasqal_op, Op>& simple_ops() {
  static const std::map<rasqal_op, Op> table = {
      {RASQAL_EXPR_AND, Op::And},
      {RASQAL_EXPR_OR, Op::Or},
      {RASQAL_EXPR_BANG, Op::Not},
      {RASQAL_EXPR_EQ, Op::Equal},
      {RASQAL_EXPR_NEQ, Op::NotEqual},
      {RASQAL_EXPR_LT, Op::Less},
      {RASQAL_EXPR_GT, Op::Greater},
      {RASQAL_EXPR_LE, Op::LessEqual},
      {RASQAL_EXPR_GE, Op::GreaterEqual},
      {RASQAL_EXPR_PLUS, Op::Add},
      {RASQAL_EXPR_MINUS, Op::Subtract},
      {RASQAL_EXPR_STAR, Op::Multiply},
      {RASQAL_EXPR_SLASH, Op::Divide},
      {RASQAL_EXPR_UMINUS, Op::Negate},
      {RASQAL_EXPR_BOUND, Op::Bound},
      {RASQAL_EXPR_IF, Op::If},
      {RASQAL_EXPR_COALESCE, Op::Coalesce},
      {RASQAL_EXPR_IN, Op::In},
      {RASQAL_EXPR_NOT_IN, Op::NotIn},
      {RASQAL_EXPR_SAMETERM, Op::SameTerm},
      {RASQAL_EXPR_ISURI, Op::IsIri},
      {RASQAL_EXPR_ISBLANK, Op::IsBlank},
      {RASQAL_EXPR_ISLITERAL, Op::IsLiteral},
      {RASQAL_EXPR_ISNUMERIC, Op::IsNumeric},
      {RASQAL_EXPR_STR, Op::Str},
      {RASQAL_EXPR_LANG, Op::Lang},
      {RASQAL_EXPR_DATATYPE, Op::Datatype},
      {RASQAL_EXPR_URI, Op::Iri},
      {RASQAL_EXPR_IRI, Op::Iri},
      {RASQAL_EXPR_BNODE, Op::Bnode},
      {RASQAL_EXPR_STRDT, Op::StrDt},
      {RASQAL_EXPR_STRLANG, Op::StrLang},
      {RASQAL_EXPR_UUID, Op::Uuid},
      {RASQAL_EXPR_STRUUID, Op::StrUuid},
      {RASQAL_EXPR_STRLEN, Op::StrLen},
      {RASQAL_EXPR_SUBSTR, Op::SubStr},
      {RASQAL_EXPR_UCASE, Op::UCase},
      {RASQAL_EXPR_LCASE, Op::LCase},
      {RASQAL_EXPR_STRSTARTS, Op::StrStarts},
      {RASQAL_EXPR_STRENDS, Op::StrEnds},
      {RASQAL_EXPR_CONTAINS, Op::Contains},
      {RASQAL_EXPR_STRBEFORE, Op::StrBefore},
      {RASQAL_EXPR_STRAFTER, Op::StrAfter},
      {RASQAL_EXPR_ENCODE_FOR_URI, Op::EncodeForUri},
      {RASQAL_EXPR_CONCAT, Op::Concat},
      {RASQAL_EXPR_LANGMATCHES, Op::LangMatches},
      {RASQAL_EXPR_REGEX, Op::Regex},
      {RASQAL_EXPR_REPLACE, Op::Replace},
      {RASQAL_EXPR_ABS, Op::Abs},
      {RASQAL_EXPR_ROUND, Op::Round},
      {RASQAL_EXPR_CEIL, Op::Ceil},
      {RASQAL_EXPR_FLOOR, Op::Floor},
      {RASQAL_EXPR_RAND, Op::Rand},
      {RASQAL_EXPR_NOW, Op::Now},
      {RASQAL_EXPR_YEAR, Op::Year},
      {RASQAL_EXPR_MONTH, Op::Month},
      {RASQAL_EXPR_DAY, Op::Day},
      {RASQAL_EXPR_HOURS, Op::Hours},
      {RASQAL_EXPR_MINUTES, Op::Minutes},
      {RASQAL_EXPR_SECONDS, Op::Seconds},
      {RASQAL_EXPR_TIMEZONE, Op::Timezone},
      {RASQAL_EXPR_TZ, Op::Tz},
      {RASQAL_EXPR_MD5, Op::Md5},
      {RASQAL_EXPR_SHA1, Op::Sha1},
      {RASQAL_EXPR_SHA256, Op::Sha256},
      {RASQAL_EXPR_SHA384, Op::Sha384},
      {RASQAL_EXPR_SHA512, Op::Sha512},
      {RASQAL_EXPR_COUNT, Op::Count},
      {RASQAL_EXPR_SUM, Op::Sum},
      {RASQAL_EXPR_AVG, Op::Avg},
      {RASQAL_EXPR_MIN, Op::Min},
      {RASQAL_EXPR_MAX, Op::Max},
      {RASQAL_EXPR_SAMPLE, Op::Sample},
      {RASQAL_EXPR_GROUP_CONCAT, Op::GroupConcat},
  };
  return table;
}

bool is_aggregate(Op op) {
  return op == Op::Count || op == Op::Sum || op == Op::Avg || op == Op::Min || op == Op::Max ||
         op == Op::Sample || op == Op::GroupConcat;
}

// The parts of a SELECT (top level or sub-query) that become solution modifiers.
struct SelectParts {
  std::vector<rasqal_variable*> projection;  // empty with wildcard
  bool wildcard = false;
  int distinct = 0;  // 1 DISTINCT, 2 REDUCED
  std::vector<rasqal_expression*> group, having, order;
  int limit = -1, offset = -1;
  NodePtr values;  // the trailing VALUES block, if any
};

class Translator {
 public:
  // `base_iri`: the base the query text was given; its BASE declaration, if any, is resolved against it.
  Translator(Query& q, const LoweredQuery& lowered, const std::string& base_iri)
      : q_(q), lowered_(lowered), base_(lowered.base ? resolve_iri(base_iri, *lowered.base) : base_iri) {}

  // The lowering's helper blocks (GRAPH <urn:quiver:path:N> / <urn:quiver:exists:N>) become path IRIs and
  // EXISTS patterns; the blocks themselves are then ignored. Paths first: EXISTS patterns may use them.
  // N of a helper IRI `prefix` + N; nullopt for any other IRI (a user's IRI may share the prefix).
  static std::optional<size_t> helper_number(std::string_view iri, std::string_view prefix) {
    if (!iri.starts_with(prefix) || iri.size() == prefix.size() || iri.size() - prefix.size() > 9)
      return std::nullopt;
    size_t n = 0;
    for (char c : iri.substr(prefix.size())) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
  }

  void lift_helpers(rasqal_graph_pattern* root) {
    std::vector<std::pair<rasqal_graph_pattern*, std::string>> found;
    find_helpers(root, found);
    for (auto& [gp, iri] : found) {
      helpers_.insert(gp);
      if (auto n = helper_number(iri, kPathPrefix); n && *n < lowered_.paths.size()) {
        std::vector<Term> iris;
        collect_objects(gp, iris);
        paths_[*n] = path(lowered_.paths[*n], iris);
      }
    }
    for (auto& [gp, iri] : found)
      if (auto n = helper_number(iri, kExistsPrefix)) exists_[static_cast<int>(*n)] = children_as_group(gp);
  }

  // A literal's datatype, without the prefix the lowering hides some behind (disguise_rewritten_literals).
  static std::string datatype_iri(raptor_uri* uri) {
    std::string datatype = uri_string(uri);
    if (datatype.starts_with(kDatatypePrefix)) datatype.erase(0, kDatatypePrefix.size());
    return datatype;
  }

  Term term(rasqal_literal* l) {
    switch (l->type) {
      case RASQAL_LITERAL_URI:
        return Term::iri(uri_string(l->value.uri));
      case RASQAL_LITERAL_BLANK:
        return Term::blank(reinterpret_cast<const char*>(l->string));
      case RASQAL_LITERAL_STRING:
        if (l->language) return Term::lang(reinterpret_cast<const char*>(l->string), l->language);
        if (l->datatype)
          return Term::typed(reinterpret_cast<const char*>(l->string), datatype_iri(l->datatype));
        return Term::literal(reinterpret_cast<const char*>(l->string));
      case RASQAL_LITERAL_VARIABLE:
        throw QueryError("a variable where a constant is needed");
      default: {
        raptor_uri* dt = l->datatype ? l->datatype : rasqal_literal_datatype(l);
        std::string lexical(reinterpret_cast<const char*>(l->string), l->string_len);
        if (!dt) return Term::literal(lexical);
        return Term::typed(lexical, datatype_iri(dt));
      }
    }
  }

  PatternTerm pattern_term(rasqal_literal* l) {
    if (l->type == RASQAL_LITERAL_VARIABLE) return PatternTerm::variable(var(l->value.variable));
    return PatternTerm::term(term(l));
  }

  VarId var(rasqal_variable* v) {
    std::string name = reinterpret_cast<const char*>(v->name);
    // Anonymous variables (blank nodes in patterns) must never clash with named ones or be projected.
    if (v->type == RASQAL_VARIABLE_TYPE_ANONYMOUS) name = "._" + name;
    return q_.variables.id(name);
  }

  ExprPtr expr(rasqal_expression* e) {
    auto out = std::make_shared<Expr>();
    switch (e->op) {
      case RASQAL_EXPR_LITERAL:
        if (e->literal->type == RASQAL_LITERAL_VARIABLE) {
          out->op = Op::Variable;
          out->var = var(e->literal->value.variable);
        } else {
          out->op = Op::Constant;
          out->constant = term(e->literal);
        }
        return out;
      case RASQAL_EXPR_FUNCTION:
      case RASQAL_EXPR_CAST: {
        std::string name = uri_string(e->name);
        if (name == kExistsFunction) {
          auto args = items<rasqal_expression>(e->args);
          if (args.empty() || args[0]->op != RASQAL_EXPR_LITERAL)
            throw QueryError("internal error: malformed EXISTS");
          auto it = exists_.find(
              std::atoi(reinterpret_cast<const char*>(rasqal_literal_as_string(args[0]->literal))));
          if (it == exists_.end()) throw QueryError("internal error: an EXISTS pattern lost its definition");
          out->op = Op::Exists;
          out->pattern = it->second;
          return out;
        }
        if (name == kLiteralFunction) return disguised_literal(items<rasqal_expression>(e->args));
        out->function_iri = name;
        if (e->arg1) out->args.push_back(expr(e->arg1));
        for (auto* a : items<rasqal_expression>(e->args)) out->args.push_back(expr(a));
        // A cast takes one argument; any other call of an XSD name is an unknown function (an error).
        out->op = name.rfind(std::string(xsd::kNs), 0) == 0 && out->args.size() == 1 ? Op::Cast : Op::Unknown;
        return out;
      }
      case RASQAL_EXPR_STR_EQ:
      case RASQAL_EXPR_STR_NEQ:
      case RASQAL_EXPR_STR_MATCH:
      case RASQAL_EXPR_STR_NMATCH:
      case RASQAL_EXPR_TILDE:
        throw QueryError(std::string("operator ") + rasqal_expression_op_label(e->op) + " is not SPARQL");
      default:
        break;
    }
    auto it = simple_ops().find(e->op);
    if (it == simple_ops().end())
      throw QueryError(QueryError::Kind::Unsupported,
                       std::string("unsupported SPARQL operator ") + rasqal_expression_op_label(e->op));
    out->op = it->second;
    out->distinct = (e->flags & RASQAL_EXPR_FLAG_DISTINCT) != 0;
    if (out->op == Op::Count && e->arg1 && e->arg1->op == RASQAL_EXPR_VARSTAR) {
      return out;  // COUNT(*)
    }
    for (rasqal_expression* a : {e->arg1, e->arg2, e->arg3, e->arg4})
      if (a) out->args.push_back(expr(a));
    for (auto* a : items<rasqal_expression>(e->args)) out->args.push_back(expr(a));
    if (out->op == Op::Iri) {  // the base goes along as a second argument
      auto base = std::make_shared<Expr>();
      base->op = Op::Constant;
      base->constant = Term::iri(base_);
      out->args.push_back(std::move(base));
    }
    if (out->op == Op::GroupConcat && e->literal)
      out->separator = reinterpret_cast<const char*>(rasqal_literal_as_string(e->literal));
    return out;
  }

  // The constant of a call the lowering wrote for a literal Rasqal gets wrong (disguised_literal).
  static ExprPtr disguised_literal(const std::vector<rasqal_expression*>& args) {
    auto literal = [&](size_t i) {
      if (i >= args.size() || args[i]->op != RASQAL_EXPR_LITERAL ||
          (i == 1 && args[i]->literal->type != RASQAL_LITERAL_URI))
        throw QueryError("internal error: a malformed disguised literal");
      return args[i]->literal;
    };
    auto out = std::make_shared<Expr>();
    out->op = Op::Constant;
    out->constant = Term::typed(reinterpret_cast<const char*>(rasqal_literal_as_string(literal(0))),
                                uri_string(literal(1)->value.uri));
    return out;
  }

  // Replaces aggregate calls by the variables a Group node will bind, recording them in `aggregates`.
  ExprPtr lift_aggregates(const ExprPtr& e, std::vector<Aggregate>& aggregates) {
    if (is_aggregate(e->op)) {
      VarId v = q_.variables.fresh("agg");
      aggregates.push_back({v, e});
      auto ref = std::make_shared<Expr>();
      ref->op = Op::Variable;
      ref->var = v;
      return ref;
    }
    if (e->args.empty()) return e;
    auto copy = std::make_shared<Expr>(*e);
    for (auto& a : copy->args) a = lift_aggregates(a, aggregates);
    return copy;
  }

  static NodePtr join(NodePtr a, NodePtr b) {
    if (!a || a->kind == Node::Kind::Unit) return b;
    if (!b || b->kind == Node::Kind::Unit) return a;
    if (a->kind == Node::Kind::Bgp && b->kind == Node::Kind::Bgp) {
      auto merged = std::make_shared<Node>(*a);
      merged->triples.insert(merged->triples.end(), b->triples.begin(), b->triples.end());
      return merged;
    }
    return binary(Node::Kind::Join, std::move(a), std::move(b));
  }

  static NodePtr binary(Node::Kind kind, NodePtr a, NodePtr b) {
    auto n = std::make_shared<Node>();
    n->kind = kind;
    n->left = std::move(a);
    n->right = std::move(b);
    return n;
  }

  static NodePtr unit() { return std::make_shared<Node>(); }

  static NodePtr extend(NodePtr child, VarId var, ExprPtr e) {
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::Extend;
    n->left = std::move(child);
    n->var = var;
    n->expr = std::move(e);
    return n;
  }

  // Whether a BIND is one the lowering wrote, to a variable named `reserved` (and a number): the stand-in
  // for a FILTER (disguise_nested_filter), or the one that keeps a group a group (keep_group).
  static bool is_lowering_bind(rasqal_graph_pattern* let, std::string_view reserved) {
    const rasqal_variable* v = rasqal_graph_pattern_get_variable(let);
    return v && std::string_view(reinterpret_cast<const char*>(v->name)).starts_with(reserved);
  }

  // A group's pattern and the FILTER expressions that scope over all of it.
  std::pair<NodePtr, std::vector<ExprPtr>> group_parts(rasqal_graph_pattern* gp) {
    if (rasqal_graph_pattern_get_operator(gp) != RASQAL_GRAPH_PATTERN_OPERATOR_GROUP)
      return {pattern(gp), {}};
    NodePtr g = unit();
    std::vector<ExprPtr> filters;
    for (auto* sub : items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp))) {
      if (helpers_.count(sub)) continue;
      switch (rasqal_graph_pattern_get_operator(sub)) {
        case RASQAL_GRAPH_PATTERN_OPERATOR_FILTER:
          filters.push_back(expr(rasqal_graph_pattern_get_filter_expression(sub)));
          break;
        case RASQAL_GRAPH_PATTERN_OPERATOR_OPTIONAL: {
          auto children =
              items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(sub));
          auto [inner, inner_filters] = children.size() == 1 ? group_parts(children[0])
                                                             : std::make_pair(unit(), std::vector<ExprPtr>{});
          auto n = std::make_shared<Node>();
          n->kind = Node::Kind::LeftJoin;
          n->left = g;
          n->right = inner;
          n->exprs = inner_filters;
          g = n;
          break;
        }
        case RASQAL_GRAPH_PATTERN_OPERATOR_MINUS:
          g = binary(Node::Kind::Minus, g, children_as_group(sub));
          break;
        case RASQAL_GRAPH_PATTERN_OPERATOR_LET:
          if (is_lowering_bind(sub, kGroupKeeperVariable)) break;
          if (is_lowering_bind(sub, kFilterVariable))
            filters.push_back(expr(rasqal_graph_pattern_get_filter_expression(sub)));
          else
            g = extend(g, var(rasqal_graph_pattern_get_variable(sub)),
                       expr(rasqal_graph_pattern_get_filter_expression(sub)));
          break;
        default:
          g = join(g, pattern(sub));
      }
    }
    return {g, filters};
  }

  NodePtr with_filters(NodePtr n, std::vector<ExprPtr> filters) {
    if (filters.empty()) return n;
    auto f = std::make_shared<Node>();
    f->kind = Node::Kind::Filter;
    f->left = std::move(n);
    f->exprs = std::move(filters);
    return f;
  }

  NodePtr children_as_group(rasqal_graph_pattern* gp) {
    NodePtr g = unit();
    for (auto* sub : items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp))) {
      if (helpers_.count(sub)) continue;
      auto [p, f] = group_parts(sub);
      g = join(g, with_filters(p, f));
    }
    return g;
  }

  NodePtr pattern(rasqal_graph_pattern* gp) {
    switch (rasqal_graph_pattern_get_operator(gp)) {
      case RASQAL_GRAPH_PATTERN_OPERATOR_BASIC: {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::Bgp;
        std::vector<NodePtr> path_matches;
        for (int i = 0; rasqal_triple* t = rasqal_graph_pattern_get_triple(gp, i); ++i) {
          TriplePattern tp{pattern_term(t->subject), pattern_term(t->predicate), pattern_term(t->object)};
          if (auto m = path_match(tp))
            path_matches.push_back(m);
          else
            n->triples.push_back(tp);
        }
        NodePtr result = n;
        for (auto& m : path_matches) result = binary(Node::Kind::Join, result, m);
        return result;
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_GROUP: {
        auto [p, f] = group_parts(gp);
        return with_filters(p, f);
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_UNION: {
        NodePtr u;
        for (auto* sub :
             items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp))) {
          NodePtr branch = pattern(sub);
          u = u ? binary(Node::Kind::Union, u, branch) : branch;
        }
        return u ? u : unit();
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH: {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::Graph;
        n->graph = pattern_term(rasqal_graph_pattern_get_origin(gp));
        n->left = children_as_group(gp);
        return n;
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_SELECT: {
        const RasqalGraphPattern& m = mirror(gp);
        SelectParts parts;
        if (m.projection) {
          parts.projection = items<rasqal_variable>(m.projection->variables);
          parts.wildcard = m.projection->wildcard;
          parts.distinct = m.projection->distinct;
        }
        if (m.modifier) {
          parts.group = items<rasqal_expression>(m.modifier->group_conditions);
          parts.having = items<rasqal_expression>(m.modifier->having_conditions);
          parts.order = items<rasqal_expression>(m.modifier->order_conditions);
          parts.limit = m.modifier->limit;
          parts.offset = m.modifier->offset;
        }
        if (m.bindings) parts.values = values(m.bindings->variables, m.bindings->rows);
        std::vector<VarId> projected;
        return select(children_as_group(gp), parts, projected);
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_VALUES: {
        const RasqalGraphPattern& m = mirror(gp);
        if (!m.bindings) return unit();
        return values(m.bindings->variables, m.bindings->rows);
      }
      case RASQAL_GRAPH_PATTERN_OPERATOR_SERVICE:
        return service(gp);
      case RASQAL_GRAPH_PATTERN_OPERATOR_FILTER:
        return with_filters(unit(), {expr(rasqal_graph_pattern_get_filter_expression(gp))});
      case RASQAL_GRAPH_PATTERN_OPERATOR_LET:  // a group holding only a BIND comes as the BIND itself
        if (is_lowering_bind(gp, kFilterVariable))
          return with_filters(unit(), {expr(rasqal_graph_pattern_get_filter_expression(gp))});
        return extend(unit(), var(rasqal_graph_pattern_get_variable(gp)),
                      expr(rasqal_graph_pattern_get_filter_expression(gp)));
      default:
        return children_as_group(gp);
    }
  }

  // SERVICE: the full-text search (text_search_call.h) is the one service Quiver calls.
  NodePtr service(rasqal_graph_pattern* gp) {
    rasqal_literal* origin = rasqal_graph_pattern_get_service(gp);
    if (!origin) throw QueryError("SERVICE without an address");
    const PatternTerm address = pattern_term(origin);
    if (address.var || !is_text_search_service(address.constant.value))
      throw QueryError(QueryError::Kind::Unsupported,
                       "SERVICE calls the full-text search only (neptune-fts:search), not " +
                           (address.var ? name(*address.var) : "<" + address.constant.value + ">"));
    std::vector<TriplePattern> config;
    collect_triples(gp, config);
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::TextSearch;
    auto call = std::make_shared<TextSearchCall>(read_text_search_call(config, mirror(gp).silent));
    n->vars.push_back(call->subject);
    for (const auto& v : {call->score, call->matched, call->predicate})
      if (v) n->vars.push_back(*v);
    n->text_search = std::move(call);
    return n;
  }

  void collect_triples(rasqal_graph_pattern* gp, std::vector<TriplePattern>& out) {
    for (int i = 0; rasqal_triple* t = rasqal_graph_pattern_get_triple(gp, i); ++i)
      out.push_back({pattern_term(t->subject), pattern_term(t->predicate), pattern_term(t->object)});
    for (auto* sub : items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp))) {
      const auto op = rasqal_graph_pattern_get_operator(sub);
      if (op != RASQAL_GRAPH_PATTERN_OPERATOR_BASIC && op != RASQAL_GRAPH_PATTERN_OPERATOR_GROUP)
        throw QueryError("inside SERVICE neptune-fts:search only configuration triples may appear");
      collect_triples(sub, out);
    }
  }

  // A VALUES block of `count` rows of no values.
  static NodePtr empty_rows(size_t count) {
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::Values;
    n->rows.resize(count);
    return n;
  }

  NodePtr values(raptor_sequence* vars, raptor_sequence* rows) {
    auto n = std::make_shared<Node>();
    n->kind = Node::Kind::Values;
    for (auto* v : items<rasqal_variable>(vars)) n->vars.push_back(var(v));
    for (auto* r : items<RasqalRow>(rows)) {
      const int size = r ? r->size : 0;  // Rasqal gives an empty row, "()", as no row at all
      // Inside a group, Rasqal reads VALUES ?x { a b c } as one row of three values.
      if (n->vars.size() == 1 && size > 1) {
        for (int i = 0; i < r->size; ++i)
          n->rows.push_back({r->values[i] ? std::optional<Term>(term(r->values[i])) : std::nullopt});
        continue;
      }
      std::vector<std::optional<Term>> row(n->vars.size());
      if (size != static_cast<int>(row.size()))
        throw QueryError("a VALUES row has " + std::to_string(size) + " values for " +
                         std::to_string(row.size()) + " variables");
      for (int i = 0; i < size; ++i)
        if (r->values[i]) row[i] = term(r->values[i]);
      n->rows.push_back(std::move(row));
    }
    return n;
  }

  std::string name(VarId v) const { return "?" + q_.variables.name(v); }

  static void expression_variables(const Expr& e, std::set<VarId>& out) {
    if (e.op == Op::Variable) out.insert(e.var);
    for (const auto& a : e.args) expression_variables(*a, out);
  }

  // The projection rules Rasqal does not enforce (SPARQL 1.1 section 11.4): in an aggregate query every
  // projected variable is grouped on, or computed from grouped variables and aggregates, and SELECT * is
  // not allowed. (That `(expr AS ?x)` needs an ?x new to its query level is checked by the lowering, on
  // the text: Rasqal's one expression per variable hides it here.)
  void check_projection(const SelectParts& parts, const std::vector<VarId>& projected,
                        const std::vector<std::pair<VarId, ExprPtr>>& select_exprs, bool grouped) {
    if (grouped && parts.wildcard) throw QueryError("SELECT * cannot be used with GROUP BY or aggregates");
    std::set<VarId> allowed;  // group keys and earlier SELECT expressions
    for (auto* c : parts.group) {
      rasqal_expression* inner =
          (c->op == RASQAL_EXPR_GROUP_COND_ASC || c->op == RASQAL_EXPR_GROUP_COND_DESC) ? c->arg1 : c;
      if (inner->op == RASQAL_EXPR_LITERAL && inner->literal->type == RASQAL_LITERAL_VARIABLE)
        allowed.insert(var(inner->literal->value.variable));
    }
    std::set<VarId> seen;
    for (VarId v : projected) {
      // A GROUP BY (expr AS ?k) key: Rasqal gives ?k its expression wherever ?k appears.
      if (parts.group.size() && allowed.count(v) && !seen.count(v)) {
        seen.insert(v);
        continue;
      }
      auto e =
          std::find_if(select_exprs.begin(), select_exprs.end(), [v](const auto& x) { return x.first == v; });
      if (e != select_exprs.end()) {
        std::set<VarId> used;
        expression_variables(*e->second, used);
        for (VarId u : used)
          if (grouped && !allowed.count(u) && q_.variables.name(u)[0] != '.')
            throw QueryError("SELECT uses " + name(u) + ", which is neither grouped on nor aggregated");
        allowed.insert(v);
      } else if (grouped && !allowed.count(v)) {
        throw QueryError("SELECT " + name(v) + ": the variable is neither grouped on nor aggregated");
      }
      seen.insert(v);
    }
  }

  // The expression a SELECT level gives `v`: (expr AS ?v) of its projection or GROUP BY, or nullptr. Rasqal
  // keeps one expression per variable for the whole query, so a variable the WHERE clause binds (a
  // sub-SELECT's (COUNT(?o) AS ?n), say) carries the sub-SELECT's expression: at this level it is a plain
  // variable, read from the solutions, not computed again (an aggregate there would not even be one of
  // this level's groups).
  rasqal_expression* own_expression(rasqal_variable* v, const std::vector<VarId>& in_where) {
    const bool bound = std::find(in_where.begin(), in_where.end(), var(v)) != in_where.end();
    return bound ? nullptr : v->expression;
  }

  // Grouping, HAVING, SELECT expressions, ORDER BY, projection, DISTINCT/REDUCED and slicing (18.2.4-5).
  NodePtr select(NodePtr where, const SelectParts& parts, std::vector<VarId>& projected) {
    std::vector<Aggregate> aggregates;
    std::vector<std::pair<VarId, ExprPtr>> select_exprs;
    // Rasqal keeps one expression per variable for the whole query: a variable the WHERE clause binds (a
    // sub-SELECT's (MAX(?y) AS ?max), say) is projected as it is, not computed again.
    const auto in_where = pattern_variables(*where);
    const auto in_values = parts.values ? pattern_variables(*parts.values) : std::vector<VarId>{};
    for (rasqal_variable* v : parts.projection) {
      VarId id = var(v);
      projected.push_back(id);
      if (rasqal_expression* e = own_expression(v, in_where)) {
        if (std::find(in_values.begin(), in_values.end(), id) != in_values.end())
          throw QueryError("SELECT assigns " + name(id) + ", which the VALUES block after the query binds");
        select_exprs.emplace_back(id, lift_aggregates(expr(e), aggregates));
      }
    }
    check_projection(parts, projected, select_exprs, !parts.group.empty() || !aggregates.empty());
    std::vector<ExprPtr> having;
    for (auto* h : parts.having) having.push_back(lift_aggregates(expr(h), aggregates));
    std::vector<OrderKey> order;
    for (auto* o : parts.order) {
      bool desc = o->op == RASQAL_EXPR_ORDER_COND_DESC;
      rasqal_expression* inner = (o->op == RASQAL_EXPR_ORDER_COND_ASC || desc) ? o->arg1 : o;
      order.push_back({lift_aggregates(expr(inner), aggregates), desc});
    }
    // The trailing VALUES block joins the solutions after grouping and HAVING (SPARQL 1.1 section
    // 18.2.4.3). Without grouping that is the same as joining the WHERE clause's solutions, where the
    // planner can use its bindings.
    const bool grouped = !parts.group.empty() || !aggregates.empty();
    if (parts.values && !grouped) where = join(where, parts.values);
    NodePtr n = where;
    if (grouped) {
      auto g = std::make_shared<Node>();
      g->kind = Node::Kind::Group;
      g->left = n;
      for (auto* c : parts.group) {
        rasqal_expression* inner =
            (c->op == RASQAL_EXPR_GROUP_COND_ASC || c->op == RASQAL_EXPR_GROUP_COND_DESC) ? c->arg1 : c;
        if (inner->op == RASQAL_EXPR_LITERAL && inner->literal->type == RASQAL_LITERAL_VARIABLE) {
          rasqal_variable* v = inner->literal->value.variable;
          rasqal_expression* e = own_expression(v, in_where);
          g->group_keys.emplace_back(var(v), expr(e ? e : inner));
        } else {
          g->group_keys.emplace_back(q_.variables.fresh("key"), expr(inner));
        }
      }
      g->aggregates = aggregates;
      n = g;
    }
    n = with_filters(n, having);
    if (parts.values && grouped) n = join(n, parts.values);
    for (auto& [v, e] : select_exprs) n = extend(n, v, e);
    if (!order.empty()) {
      auto o = std::make_shared<Node>();
      o->kind = Node::Kind::OrderBy;
      o->left = n;
      o->order = order;
      n = o;
    }
    if (parts.wildcard || parts.projection.empty()) {
      projected.clear();
      for (VarId v : pattern_variables(*where))
        if (q_.variables.name(v)[0] != '.') projected.push_back(v);
      if (grouped)  // then the VALUES block is not in `where`
        for (VarId v : in_values)
          if (std::find(projected.begin(), projected.end(), v) == projected.end()) projected.push_back(v);
    }
    auto p = std::make_shared<Node>();
    p->kind = Node::Kind::Project;
    p->left = n;
    p->vars = projected;
    n = p;
    if (parts.distinct) {
      auto d = std::make_shared<Node>();
      d->kind = parts.distinct == 1 ? Node::Kind::Distinct : Node::Kind::Reduced;
      d->left = n;
      n = d;
    }
    if (parts.limit >= 0 || parts.offset > 0) {
      auto s = std::make_shared<Node>();
      s->kind = Node::Kind::Slice;
      s->left = n;
      s->limit = parts.limit;
      s->offset = std::max(0, parts.offset);
      n = s;
    }
    return n;
  }

 private:
  // A triple whose predicate is a lowered property path becomes a PathMatch node; nullptr otherwise.
  NodePtr path_match(const TriplePattern& tp) {
    const std::string& p = tp.p.constant.value;
    const auto n = tp.p.var ? std::nullopt : helper_number(p, kPathPrefix);
    if (!n) return nullptr;
    auto it = paths_.find(*n);
    if (it == paths_.end()) throw QueryError("internal error: a property path lost its definition");
    auto m = std::make_shared<Node>();
    m->kind = Node::Kind::PathMatch;
    m->triples.push_back(tp);
    m->path = std::make_shared<Path>(it->second);
    return m;
  }

  void find_helpers(rasqal_graph_pattern* gp,
                    std::vector<std::pair<rasqal_graph_pattern*, std::string>>& out) {
    if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH) {
      rasqal_literal* origin = rasqal_graph_pattern_get_origin(gp);
      if (origin && origin->type == RASQAL_LITERAL_URI) {
        std::string iri = uri_string(origin->value.uri);
        if (iri.rfind(std::string(kPathPrefix), 0) == 0 || iri.rfind(std::string(kExistsPrefix), 0) == 0) {
          out.emplace_back(gp, iri);
          return;
        }
      }
    }
    for (auto* sub : items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp)))
      find_helpers(sub, out);
  }

  void collect_objects(rasqal_graph_pattern* gp, std::vector<Term>& out) {
    if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_BASIC)
      for (int i = 0; rasqal_triple* t = rasqal_graph_pattern_get_triple(gp, i); ++i)
        out.push_back(term(t->object));
    for (auto* sub : items<rasqal_graph_pattern>(rasqal_graph_pattern_get_sub_graph_pattern_sequence(gp)))
      collect_objects(sub, out);
  }

  static Path path(const PathExpr& e, const std::vector<Term>& iris) {
    Path p;
    p.kind = static_cast<Path::Kind>(e.kind);
    if (e.kind == PathExpr::Kind::Link) p.iri = iris.at(e.iri);
    for (const auto& a : e.args) p.args.push_back(path(a, iris));
    for (auto [index, inverse] : e.negated) p.negated.emplace_back(iris.at(index), inverse);
    return p;
  }

  Query& q_;
  const LoweredQuery& lowered_;
  const std::string base_;  // IRI() and URI() resolve relative references against it
  std::set<rasqal_graph_pattern*> helpers_;
  std::map<size_t, Path> paths_;
  std::map<int, NodePtr> exists_;
};

}  // namespace

namespace {

// A query as Rasqal parsed it, with the world it lives in and the sink its messages go to: the query is
// freed before the world goes back to the pool.
struct ParsedQuery {
  RasqalWorld world;
  std::unique_ptr<ErrorSink> errors;
  std::unique_ptr<rasqal_query, QueryDeleter> query;
  rasqal_query* get() const { return query.get(); }
};

// Rasqal's parse of already lowered text; a syntax error becomes a located QueryError.
ParsedQuery prepare(const std::string& text, const std::string& base_iri) {
  ParsedQuery parsed{open_rasqal_world(), std::make_unique<ErrorSink>(), nullptr};
  rasqal_world* w = parsed.world.get();
  rasqal_world_set_log_handler(w, parsed.errors.get(), ErrorSink::handler);
  parsed.query.reset(rasqal_new_query(w, "sparql11", nullptr));
  if (!parsed.query) throw QueryError("cannot create a SPARQL parser");
  raptor_uri* base =
      raptor_new_uri(rasqal_world_get_raptor(w), reinterpret_cast<const unsigned char*>(base_iri.c_str()));
  int rc = rasqal_query_prepare(parsed.get(), reinterpret_cast<const unsigned char*>(text.c_str()), base);
  raptor_free_uri(base);
  const ErrorSink& errors = *parsed.errors;
  if (rc != 0 || !errors.message.empty())
    throw QueryError(errors.message.empty() ? "invalid SPARQL" : errors.message, errors.line, errors.column);
  return parsed;
}

std::optional<std::string> optional_iri(raptor_uri* uri) {
  return uri ? std::optional<std::string>(uri_string(uri)) : std::nullopt;
}

// Update templates: a blank node is a constant (fresh per solution when instantiated), not a variable.
std::vector<QuadTemplate> templates(Translator& t, raptor_sequence* seq) {
  std::vector<QuadTemplate> out;
  auto position = [&](rasqal_literal* l) {
    if (l->type == RASQAL_LITERAL_VARIABLE && l->value.variable->type == RASQAL_VARIABLE_TYPE_ANONYMOUS)
      return PatternTerm::term(Term::blank(reinterpret_cast<const char*>(l->value.variable->name)));
    return t.pattern_term(l);
  };
  for (auto* tr : items<rasqal_triple>(seq)) {
    QuadTemplate q{{position(tr->subject), position(tr->predicate), position(tr->object)}, std::nullopt};
    if (tr->origin) q.graph = position(tr->origin);
    out.push_back(std::move(q));
  }
  return out;
}

void check_data(const UpdateOperation& op) {
  for (const auto* list : {&op.inserts, &op.deletes})
    for (const QuadTemplate& q : *list)
      for (const PatternTerm* p : {&q.triple.s, &q.triple.p, &q.triple.o, q.graph ? &*q.graph : nullptr}) {
        if (!p) continue;
        if (p->var) throw QueryError("INSERT DATA and DELETE DATA take no variables");
        if (list == &op.deletes && p->constant.kind == TermKind::Blank)
          throw QueryError("DELETE DATA takes no blank nodes");
      }
}

UpdateOperation translate(const LoweredOperation& lowered_op, const std::string& base_iri) {
  const LoweredQuery lowered = lower(lowered_op.text);
  auto rq = prepare(lowered.text, base_iri);
  rasqal_update_operation* ro = rasqal_query_get_update_operation(rq.get(), 0);
  if (!ro) throw QueryError("not an update operation (use quiver query for SPARQL queries)");
  UpdateOperation op;
  op.data = lowered_op.data;
  op.continues_previous = lowered_op.continues_previous;
  op.using_graphs = lowered_op.using_graphs;
  op.using_named = lowered_op.using_named;
  op.silent = lowered_op.silent;  // Rasqal marks every CREATE silent
  Translator t(op.where, lowered, base_iri);
  switch (ro->type) {
    case RASQAL_UPDATE_TYPE_UPDATE:
      op.kind = UpdateOperation::Kind::Modify;
      op.with = lowered_op.with;
      if (ro->where) t.lift_helpers(ro->where);
      op.where.root = ro->where ? t.pattern(ro->where) : Translator::unit();
      op.inserts = templates(t, ro->insert_templates);
      op.deletes = templates(t, ro->delete_templates);
      for (const QuadTemplate& q : op.deletes)
        for (const PatternTerm* p : {&q.triple.s, &q.triple.p, &q.triple.o})
          if (!p->var && p->constant.kind == TermKind::Blank && !op.data)
            throw QueryError("blank nodes are not allowed in DELETE templates");
      if (op.data) check_data(op);
      break;
    case RASQAL_UPDATE_TYPE_CLEAR:
    case RASQAL_UPDATE_TYPE_DROP:
      op.kind = ro->type == RASQAL_UPDATE_TYPE_DROP || lowered_op.drop ? UpdateOperation::Kind::Drop
                                                                       : UpdateOperation::Kind::Clear;
      op.target = ro->applies == RASQAL_UPDATE_GRAPH_DEFAULT ? UpdateOperation::Target::Default
                  : ro->applies == RASQAL_UPDATE_GRAPH_NAMED ? UpdateOperation::Target::Named
                  : ro->applies == RASQAL_UPDATE_GRAPH_ALL   ? UpdateOperation::Target::All
                                                             : UpdateOperation::Target::Graph;
      op.graph = optional_iri(ro->graph_uri);
      if (op.target == UpdateOperation::Target::Graph && !op.graph)
        op.target = UpdateOperation::Target::Default;
      break;
    case RASQAL_UPDATE_TYPE_CREATE:
      op.kind = UpdateOperation::Kind::Create;
      op.graph = optional_iri(ro->graph_uri);
      break;
    case RASQAL_UPDATE_TYPE_LOAD:
      op.kind = UpdateOperation::Kind::Load;
      op.document = optional_iri(ro->document_uri).value_or("");
      op.graph = optional_iri(ro->graph_uri);
      break;
    case RASQAL_UPDATE_TYPE_ADD:
    case RASQAL_UPDATE_TYPE_MOVE:
    case RASQAL_UPDATE_TYPE_COPY:
      op.kind = ro->type == RASQAL_UPDATE_TYPE_ADD    ? UpdateOperation::Kind::Add
                : ro->type == RASQAL_UPDATE_TYPE_MOVE ? UpdateOperation::Kind::Move
                                                      : UpdateOperation::Kind::Copy;
      op.graph = optional_iri(ro->graph_uri);
      op.destination = optional_iri(ro->document_uri);
      break;
    default:
      throw QueryError(QueryError::Kind::Unsupported, "unsupported update operation");
  }
  return op;
}

// The INSERT half of a combined DELETE/INSERT, parsed apart (Rasqal rejects the combined form), joins its
// DELETE half: one operation, its WHERE evaluated once. Its template variables are found by name.
void join_insert_half(UpdateOperation& combined, const UpdateOperation& insert_half) {
  combined.inserts = insert_half.inserts;
  for (QuadTemplate& t : combined.inserts)
    for (PatternTerm* p : {&t.triple.s, &t.triple.p, &t.triple.o, t.graph ? &*t.graph : nullptr})
      if (p && p->var) p->var = combined.where.variables.id(insert_half.where.variables.name(*p->var));
}

}  // namespace

Update parse_update(std::string_view text, const std::string& base_iri) {
  Update update;
  for (const LoweredOperation& lowered : split_update(text)) {
    UpdateOperation op;
    try {
      op = translate(lowered, base_iri);
    } catch (const QueryError& e) {
      if (e.line == 0) throw;
      // Located in the operation's text: its first line is the prologue, the rest the request's lines.
      const std::string what = e.what();
      const std::string message = what.substr(what.find(": ") + 2);
      if (e.line == 1) throw QueryError(message);
      throw QueryError(message, e.line + lowered.line_offset, e.column);
    }
    if (lowered.shares_previous_where && !update.operations.empty())
      join_insert_half(update.operations.back(), op);
    else
      update.operations.push_back(std::move(op));
  }
  return update;
}

Query parse_query(std::string_view text, const std::string& base_iri) {
  const LoweredQuery lowered = lower(text);
  auto rq = prepare(lowered.text, base_iri);

  Query q;
  Translator t(q, lowered, base_iri);
  switch (rasqal_query_get_verb(rq.get())) {
    case RASQAL_QUERY_VERB_SELECT:
      q.form = Query::Form::Select;
      break;
    case RASQAL_QUERY_VERB_ASK:
      q.form = Query::Form::Ask;
      break;
    case RASQAL_QUERY_VERB_CONSTRUCT:
      q.form = Query::Form::Construct;
      break;
    case RASQAL_QUERY_VERB_DESCRIBE:
      q.form = Query::Form::Describe;
      break;
    default:
      throw QueryError("not a query (use quiver update for SPARQL Update)");
  }
  for (auto* dg : items<rasqal_data_graph>(rasqal_query_get_data_graph_sequence(rq.get()))) {
    if (dg->flags == RASQAL_DATA_GRAPH_NAMED)
      q.from_named.push_back(uri_string(dg->name_uri ? dg->name_uri : dg->uri));
    else
      q.from.push_back(uri_string(dg->uri));
  }

  rasqal_graph_pattern* where = rasqal_query_get_query_graph_pattern(rq.get());
  if (where) t.lift_helpers(where);
  NodePtr root = where ? t.pattern(where) : Translator::unit();

  SelectParts parts;
  if (raptor_sequence* rows = rasqal_query_get_bindings_rows_sequence(rq.get()))
    parts.values = t.values(rasqal_query_get_bindings_variables_sequence(rq.get()), rows);
  if (lowered.trailing_empty_rows) {
    NodePtr empty = Translator::empty_rows(*lowered.trailing_empty_rows);
    parts.values = parts.values ? Translator::join(parts.values, empty) : empty;
  }
  parts.group = items<rasqal_expression>(rasqal_query_get_group_conditions_sequence(rq.get()));
  parts.having = items<rasqal_expression>(rasqal_query_get_having_conditions_sequence(rq.get()));
  parts.order = items<rasqal_expression>(rasqal_query_get_order_conditions_sequence(rq.get()));
  parts.limit = rasqal_query_get_limit(rq.get());
  parts.offset = rasqal_query_get_offset(rq.get());
  parts.distinct = rasqal_query_get_distinct(rq.get());
  parts.wildcard = rasqal_query_get_wildcard(rq.get());
  if (q.form == Query::Form::Select && !parts.wildcard)
    parts.projection = items<rasqal_variable>(rasqal_query_get_bound_variable_sequence(rq.get()));
  if (q.form == Query::Form::Ask) {  // grouping, HAVING and VALUES decide whether there is a solution
    parts.projection.clear();
    parts.order.clear();
    parts.distinct = 0;
    parts.offset = -1;
    parts.limit = 1;
  }
  if (q.form == Query::Form::Construct)
    for (auto* tr : items<rasqal_triple>(rasqal_query_get_construct_triples_sequence(rq.get())))
      q.construct.push_back(
          {t.pattern_term(tr->subject), t.pattern_term(tr->predicate), t.pattern_term(tr->object)});
  if (q.form == Query::Form::Describe)
    for (auto* l : items<rasqal_literal>(rasqal_query_get_describe_sequence(rq.get())))
      q.describe.push_back(t.pattern_term(l));
  q.root = t.select(root, parts, q.projection);
  return q;
}

}  // namespace quiver::query
