// Quiver's SPARQL algebra: the contract between the front end (Rasqal parse -> algebra) and the executor.
// It follows the SPARQL 1.1 algebra (section 18): patterns are trees of nodes, expressions are trees too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fulltext/text_index.h"
#include "store/term.h"

namespace quiver::query {

using VarId = uint32_t;

// The variables of one query; internal variables (aggregates, group keys) start with '.'.
class Variables {
 public:
  VarId id(const std::string& name);
  std::optional<VarId> find(const std::string& name) const;
  const std::string& name(VarId v) const { return names_[v]; }
  size_t size() const { return names_.size(); }
  VarId fresh(const std::string& hint) { return id("." + hint + std::to_string(names_.size())); }

 private:
  std::vector<std::string> names_;
};

// A position in a triple pattern: a variable or a constant term.
struct PatternTerm {
  std::optional<VarId> var;
  Term constant;
  static PatternTerm variable(VarId v) { return {v, {}}; }
  static PatternTerm term(Term t) { return {std::nullopt, std::move(t)}; }
};

struct TriplePattern {
  PatternTerm s, p, o;
};

struct Node;
using NodePtr = std::shared_ptr<const Node>;

// SERVICE neptune-fts:search { neptune-fts:config neptune-fts:<parameter> <value> . ... }: a search of the
// full-text index whose hits bind `subject` (the `return` parameter) and, when asked, `score`, and for
// each value that matched, `matched` (the literal) and `predicate` (its predicate): a row per value then.
struct TextSearchCall {
  fulltext::SearchRequest request;
  VarId subject = 0;
  std::optional<VarId> score, matched, predicate;
  bool silent = false;  // SERVICE SILENT: a search that fails gives no rows
};

// A SPARQL 1.1 property path (section 9).
struct Path {
  enum class Kind {
    Link,
    Inverse,
    Sequence,
    Alternative,
    ZeroOrOne,
    ZeroOrMore,
    OneOrMore,
    Negated
  } kind = Kind::Link;
  Term iri;                                    // Link
  std::vector<Path> args;                      // Inverse, modifiers (one), Sequence, Alternative
  std::vector<std::pair<Term, bool>> negated;  // Negated: the excluded IRIs, and whether each is inverse
};

// Operators and built-in functions. Aggregates appear only under a Group node, after the front end has
// replaced them in expressions by the variables the Group binds.
enum class Op {
  Constant,
  Variable,
  Or,
  And,
  Not,
  Equal,
  NotEqual,
  Less,
  Greater,
  LessEqual,
  GreaterEqual,
  Add,
  Subtract,
  Multiply,
  Divide,
  Negate,
  Plus,
  Bound,
  If,
  Coalesce,
  In,
  NotIn,
  SameTerm,
  Exists,
  NotExists,
  IsIri,
  IsBlank,
  IsLiteral,
  IsNumeric,
  Str,
  Lang,
  Datatype,
  Iri,
  Bnode,
  StrDt,
  StrLang,
  Uuid,
  StrUuid,
  StrLen,
  SubStr,
  UCase,
  LCase,
  StrStarts,
  StrEnds,
  Contains,
  StrBefore,
  StrAfter,
  EncodeForUri,
  Concat,
  LangMatches,
  Regex,
  Replace,
  Abs,
  Round,
  Ceil,
  Floor,
  Rand,
  Now,
  Year,
  Month,
  Day,
  Hours,
  Minutes,
  Seconds,
  Timezone,
  Tz,
  Md5,
  Sha1,
  Sha256,
  Sha384,
  Sha512,
  Cast,     // function_iri names the XSD type
  Unknown,  // an extension function Quiver does not have: always an evaluation error
  Count,
  Sum,
  Avg,
  Min,
  Max,
  Sample,
  GroupConcat,
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  Op op = Op::Constant;
  Term constant;                // Constant
  VarId var = 0;                // Variable
  std::vector<ExprPtr> args;    // operands; Count with no args is COUNT(*)
  std::string function_iri;     // Cast: target datatype
  bool distinct = false;        // aggregates
  std::string separator = " ";  // GroupConcat
  NodePtr pattern;              // Exists / NotExists
};

struct Aggregate {
  VarId var;  // where the Group node binds the result
  ExprPtr expr;
};

struct OrderKey {
  ExprPtr expr;
  bool descending = false;
};

struct Node {
  enum class Kind {
    Unit,        // one empty solution
    Bgp,         // triples
    Join,        // left, right
    LeftJoin,    // left, right, exprs (the OPTIONAL's filter), extends_only_binding
    Filter,      // left, exprs (conjunction)
    Union,       // left, right
    Minus,       // left, right
    Graph,       // graph, left
    Extend,      // left, var, expr
    Values,      // vars, rows
    Group,       // left, group_keys, aggregates
    OrderBy,     // left, order
    Project,     // left, vars
    Distinct,    // left
    Reduced,     // left
    Slice,       // left, offset, limit
    PathMatch,   // triples[0].s and .o joined by path
    TextSearch,  // text_search; vars: the variables it binds
  } kind = Kind::Unit;
  std::vector<TriplePattern> triples;
  NodePtr left, right;
  std::vector<ExprPtr> exprs;
  PatternTerm graph;
  VarId var = 0;
  ExprPtr expr;
  std::vector<VarId> vars;
  std::vector<std::vector<std::optional<Term>>> rows;
  std::vector<std::pair<VarId, ExprPtr>> group_keys;
  std::vector<Aggregate> aggregates;
  std::vector<OrderKey> order;
  int64_t offset = 0, limit = -1;
  std::shared_ptr<const Path> path;
  std::shared_ptr<const TextSearchCall> text_search;
  // LeftJoin: only the left rows that bind this variable are extended, the others pass unchanged (a nested
  // OPTIONAL the planner flattened: those rows are the ones its enclosing OPTIONAL's pattern did not match).
  std::optional<VarId> extends_only_binding;
};

struct Query {
  enum class Form { Select, Ask, Construct, Describe } form = Form::Select;
  Variables variables;
  NodePtr root;
  std::vector<VarId> projection;              // Select: result columns in order
  std::vector<TriplePattern> construct;       // Construct: the template
  std::vector<PatternTerm> describe;          // Describe: resources or variables
  std::vector<std::string> from, from_named;  // dataset IRIs (FROM / FROM NAMED)
};

// A triple template of an update, in the graph `graph` names (nullopt: the operation's default graph).
struct QuadTemplate {
  TriplePattern triple;
  std::optional<PatternTerm> graph;
};

// One SPARQL 1.1 Update operation (section 3).
struct UpdateOperation {
  enum class Kind { Modify, Load, Clear, Drop, Create, Add, Move, Copy } kind = Kind::Modify;
  // Modify (INSERT/DELETE DATA, DELETE WHERE, DELETE/INSERT ... WHERE): the WHERE pattern as a query.
  Query where;
  std::vector<QuadTemplate> deletes, inserts;
  bool data = false;                // INSERT DATA / DELETE DATA: no variables, evaluated once
  bool continues_previous = false;  // a further chunk of the previous operation's data
  std::optional<std::string> with;  // WITH: default graph of the WHERE clause and the templates
  std::vector<std::string> using_graphs, using_named;
  bool silent = false;
  // Graph management: CLEAR/DROP apply to `target`; CREATE, LOAD INTO and CLEAR/DROP GRAPH name `graph`;
  // ADD/MOVE/COPY go from `graph` to `destination` (nullopt: the default graph); LOAD reads `document`.
  enum class Target { Graph, Default, Named, All } target = Target::Graph;
  std::optional<std::string> graph, destination;
  std::string document;
};

struct Update {
  std::vector<UpdateOperation> operations;
};

// Variables a pattern can bind, in first-seen order.
std::vector<VarId> pattern_variables(const Node& node);
// Variables every solution of a pattern binds, in first-seen order.
std::vector<VarId> certain_variables(const Node& node);
// Variables an expression reads, including every variable its EXISTS patterns name (they see the row's
// bindings at every depth).
std::vector<VarId> expression_variables(const Expr& expr);

}  // namespace quiver::query
