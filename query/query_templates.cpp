#include "query/query_templates.h"

#include <charconv>

#include "query/frontend.h"
#include "query/lowering.h"

namespace quiver::query {
namespace {

// A parsed template with the values its parameters stand for put back: the nodes, expressions and paths on
// the way to each term are copies, the template stays as it was.
class Instantiation {
 public:
  explicit Instantiation(const std::vector<std::string>& values) : values_(values) {}

  Query query(const Query& q) const {
    Query out = q;
    out.root = node(q.root);
    for (TriplePattern& t : out.construct) t = triple(t);
    for (PatternTerm& d : out.describe) d = pattern_term(d);
    return out;
  }

 private:
  // No term of the query's own spells a parameter (lift_pattern_constants makes sure).
  Term term(const Term& t) const {
    if (t.kind == TermKind::Blank || !t.value.starts_with(kParameterPrefix)) return t;
    size_t n = values_.size();
    const char* digits = t.value.data() + kParameterPrefix.size();
    std::from_chars(digits, t.value.data() + t.value.size(), n);
    Term out = t;  // a literal keeps its language tag
    out.value = values_.at(n);
    return out;
  }
  PatternTerm pattern_term(const PatternTerm& p) const {
    return p.var ? p : PatternTerm::term(term(p.constant));
  }
  TriplePattern triple(const TriplePattern& t) const {
    return {pattern_term(t.s), pattern_term(t.p), pattern_term(t.o)};
  }

  Path path(const Path& p) const {
    Path out = p;
    out.iri = term(p.iri);
    for (Path& a : out.args) a = path(a);
    for (auto& [iri, inverse] : out.negated) iri = term(iri);
    return out;
  }

  ExprPtr expr(const ExprPtr& e) const {
    if (!e) return e;
    auto out = std::make_shared<Expr>(*e);
    out->constant = term(e->constant);
    for (ExprPtr& a : out->args) a = expr(a);
    out->pattern = node(e->pattern);
    return out;
  }

  NodePtr node(const NodePtr& n) const {
    if (!n) return n;
    auto out = std::make_shared<Node>(*n);
    for (TriplePattern& t : out->triples) t = triple(t);
    out->left = node(n->left);
    out->right = node(n->right);
    for (ExprPtr& e : out->exprs) e = expr(e);
    out->graph = pattern_term(n->graph);
    out->expr = expr(n->expr);
    for (auto& row : out->rows)
      for (auto& value : row)
        if (value) value = term(*value);
    for (auto& [var, key] : out->group_keys) key = expr(key);
    for (Aggregate& a : out->aggregates) a.expr = expr(a.expr);
    for (OrderKey& k : out->order) k.expr = expr(k.expr);
    if (n->path) out->path = std::make_shared<const Path>(path(*n->path));
    return out;
  }

  const std::vector<std::string>& values_;
};

}  // namespace

std::pair<QueryTemplates::Shape&, bool> QueryTemplates::touch(const std::string& key) {
  auto [it, added] = shapes_.try_emplace(key);
  if (!added) {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return {it->second, false};
  }
  recency_.push_front(key);
  it->second.recency = recency_.begin();
  held_bytes_ += key.size();
  while (recency_.size() > 1 && (shapes_.size() > capacity_ || held_bytes_ > text_bytes_)) {
    held_bytes_ -= recency_.back().size();
    shapes_.erase(recency_.back());
    recency_.pop_back();
  }
  return {it->second, true};
}

Query QueryTemplates::parse(std::string_view text, const std::string& base_iri) {
  const auto lifted = lift_pattern_constants(text);
  if (!lifted) return parse_query(text, base_iri);
  const std::string key = base_iri + '\n' + lifted->text;
  std::shared_ptr<const Query> parsed;
  bool second_sighting;
  {
    const std::lock_guard lock(mutex_);
    const auto [shape, added] = touch(key);
    parsed = shape.parsed;
    second_sighting = !added && !parsed && !shape.unusable;
  }
  if (parsed) {
    reused_.fetch_add(1, std::memory_order_relaxed);
    return Instantiation(lifted->values).query(*parsed);
  }
  Query query = parse_query(text, base_iri);  // its errors are the text's own, with their positions
  if (second_sighting) {
    std::shared_ptr<const Query> made;
    try {
      made = std::make_shared<const Query>(parse_query(lifted->text, base_iri));
    } catch (...) {  // the shape stays unparsed: each of its queries is parsed as it comes
    }
    const std::lock_guard lock(mutex_);
    Shape& shape = touch(key).first;
    if (made)
      shape.parsed = std::move(made);
    else
      shape.unusable = true;
  }
  return query;
}

}  // namespace quiver::query
