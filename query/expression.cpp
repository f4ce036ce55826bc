#include "query/expression.h"

#include "parser/iri.h"
#include "query/decimal.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

namespace quiver::query {
namespace {

const std::string kXsd(xsd::kNs);
const std::string kFloat = kXsd + "float";
const std::string kLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

// ---- numbers ----------------------------------------------------------------------------------------------

enum class NumType { Integer = 0, Decimal = 1, Float = 2, Double = 3 };

// An integer or decimal has its exact value too: their arithmetic and comparisons are exact.
struct Number {
  NumType type;
  long double value;
  std::optional<Decimal> exact;  // Integer and Decimal
  bool is_zero() const { return exact ? exact->is_zero() : value == 0; }
};

bool is_integer_type(const std::string& dt) {
  static const std::set<std::string> derived = {"integer",
                                                "int",
                                                "long",
                                                "short",
                                                "byte",
                                                "nonNegativeInteger",
                                                "positiveInteger",
                                                "nonPositiveInteger",
                                                "negativeInteger",
                                                "unsignedLong",
                                                "unsignedInt",
                                                "unsignedShort",
                                                "unsignedByte"};
  return dt.rfind(kXsd, 0) == 0 && derived.count(dt.substr(kXsd.size()));
}

std::optional<Number> number(const Term& t) {
  if (t.kind != TermKind::Literal || t.datatype.empty()) return std::nullopt;
  NumType type;
  if (is_integer_type(t.datatype))
    type = NumType::Integer;
  else if (t.datatype == xsd::kDecimal)
    type = NumType::Decimal;
  else if (t.datatype == kFloat)
    type = NumType::Float;
  else if (t.datatype == xsd::kDouble)
    type = NumType::Double;
  else
    return std::nullopt;
  const std::string& s = t.value;
  if (s.empty()) return std::nullopt;
  if (type >= NumType::Float && (s == "INF" || s == "-INF" || s == "NaN" || s == "+INF"))
    return Number{type, s == "NaN" ? NAN : (s[0] == '-' ? -INFINITY : INFINITY), std::nullopt};
  // The lexical space: sign, digits, an optional point for decimals, an exponent only for floats/doubles.
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  bool digits = false, point = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])))
      digits = true;
    else if (s[i] == '.' && !point && type != NumType::Integer)
      point = true;
    else if ((s[i] == 'e' || s[i] == 'E') && type >= NumType::Float && digits) {
      size_t j = i + 1;
      if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
      if (j == s.size()) return std::nullopt;
      for (; j < s.size(); ++j)
        if (!std::isdigit(static_cast<unsigned char>(s[j]))) return std::nullopt;
      break;
    } else
      return std::nullopt;
  }
  if (!digits) return std::nullopt;
  Number n{type, std::strtold(s.c_str(), nullptr), std::nullopt};
  if (type <= NumType::Decimal) n.exact = Decimal::parse(s);
  return n;
}

std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s += '0';
  return s;
}

Term make_number(NumType type, long double v) {
  char buf[64];
  switch (type) {
    case NumType::Integer:
      std::snprintf(buf, sizeof buf, "%.0Lf", v);
      return Term::typed(buf, xsd::kInteger);
    case NumType::Decimal: {
      std::snprintf(buf, sizeof buf, "%.18Lf", v);
      std::string s = trim_zeros(buf);
      if (s.find('.') == std::string::npos) s += ".0";
      // %.18Lf keeps noise digits of binary fractions; 15 significant digits is what decimals carry here.
      std::snprintf(buf, sizeof buf, "%.15Lg", v);
      std::string g = buf;
      if (g.find('e') == std::string::npos) {
        if (g.find('.') == std::string::npos) g += ".0";
        s = g;
      }
      return Term::typed(s, xsd::kDecimal);
    }
    case NumType::Float:
    case NumType::Double: {
      const std::string& dt = type == NumType::Float ? kFloat : std::string(xsd::kDouble);
      if (std::isnan(v)) return Term::typed("NaN", dt);
      if (std::isinf(v)) return Term::typed(v > 0 ? "INF" : "-INF", dt);
      std::snprintf(buf, sizeof buf, type == NumType::Float ? "%.9LE" : "%.17LE", v);
      std::string s = buf;  // d.ddddE+xx
      auto e = s.find('E');
      std::string mant = trim_zeros(s.substr(0, e));
      int exp = std::stoi(s.substr(e + 1));
      return Term::typed(mant + "E" + std::to_string(exp), dt);
    }
  }
  return Term::literal("");
}

// An integer or decimal result, in its canonical lexical form.
Term make_exact(NumType type, const Decimal& d) {
  if (type == NumType::Integer) return Term::typed(d.integer_text(), xsd::kInteger);
  return Term::typed(d.decimal_text(), xsd::kDecimal);
}

// A numeric result: exact when the type is an integer or a decimal and the exact value is known.
Term make_number(NumType type, long double approximate, const std::optional<Decimal>& exact) {
  if (exact && type <= NumType::Decimal) return make_exact(type, *exact);
  return make_number(type, approximate);
}

Term boolean(bool b) {
  return Term::typed(b ? "true" : "false", xsd::kBoolean);
}

bool is_simple_or_string(const Term& t) {
  return t.kind == TermKind::Literal && t.language.empty() && t.datatype.empty();
}
// MD5 / SHA-x of the UTF-8 bytes, in lower-case hex (SPARQL 1.1 section 17.4.6), through OpenSSL's libcrypto.
std::string hex_digest(Op op, const std::string& text) {
  const EVP_MD* md = op == Op::Md5      ? EVP_md5()
                     : op == Op::Sha1   ? EVP_sha1()
                     : op == Op::Sha256 ? EVP_sha256()
                     : op == Op::Sha384 ? EVP_sha384()
                                        : EVP_sha512();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(text.data(), text.size(), digest, &size, md, nullptr))
    throw QueryError("computing a hash failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool is_string_like(const Term& t) {
  return t.kind == TermKind::Literal && t.datatype.empty();
}  // incl. lang

// ---- UTF-8 ------------------------------------------------------------------------------------------------

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of code point `cp` (clamped to the end).
size_t utf8_offset(const std::string& s, size_t cp) {
  size_t i = 0;
  for (size_t n = 0; i < s.size() && n < cp; ++n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

Term same_kind_string(const Term& like, std::string value) {
  Term t = like;
  t.value = std::move(value);
  return t;
}

// Arguments of STRSTARTS and friends must be compatible: the second simple, or with the first's language.
bool compatible(const Term& a, const Term& b) {
  if (!is_string_like(a) || !is_string_like(b)) return false;
  return b.language.empty() || same_language(a.language, b.language);
}

// An xsd:dateTime or xsd:date as a point in time (a date is its first instant): seconds from 0000-03-01,
// in UTC when the literal has a time zone, local otherwise. Nullopt for an invalid lexical form.
struct Instant {
  long double seconds;
  bool zoned;
};

std::optional<Instant> instant(const Term& t) {
  const bool with_time = t.datatype == xsd::kDateTime;
  if (t.kind != TermKind::Literal || (!with_time && t.datatype != xsd::kDate)) return std::nullopt;
  const std::string& s = t.value;
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  auto digits = [&](size_t n, long long& out) {
    const size_t start = i;
    out = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) out = out * 10 + (s[i++] - '0');
    return i - start >= n && (n != 2 || i - start == 2);
  };
  auto expect = [&](char c) { return i < s.size() && s[i++] == c; };
  long long year, month, day, hour = 0, minute = 0;
  long double second = 0;
  if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day))
    return std::nullopt;
  if (s[0] == '-') year = -year;
  if (with_time) {
    long long whole;
    if (!expect('T') || !digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') ||
        !digits(2, whole))
      return std::nullopt;
    second = whole;
    if (i < s.size() && s[i] == '.') {
      const size_t start = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == start) return std::nullopt;
      second += std::strtold(("0." + s.substr(start, i - start)).c_str(), nullptr);
    }
  }
  long long offset = 0;
  const bool zoned = i < s.size();
  if (zoned) {
    long long tz_hour, tz_minute;
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i++] == '-' ? -1 : 1;
      if (!digits(2, tz_hour) || !expect(':') || !digits(2, tz_minute) || tz_hour > 14 || tz_minute > 59)
        return std::nullopt;
      offset = sign * (tz_hour * 60 + tz_minute) * 60;
    }
    if (i != s.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59 || second >= 60 ||
      (hour > 23 && !(hour == 24 && minute == 0 && second == 0)))
    return std::nullopt;
  // Days from the civil date (the proleptic Gregorian calendar, years counted from March).
  const long long y = year - (month <= 2);
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Instant{days * 86400.0L + hour * 3600 + minute * 60 + second - offset, zoned};
}

// XSD's order of two dates or two dateTimes (XML Schema 1.1 part 2, D.2.4): one without a time zone lies
// anywhere within 14 hours of its UTC reading, so it orders against a zoned one only beyond that window.
std::optional<int> instant_compare(const Term& a, const Term& b) {
  if (a.datatype != b.datatype) return std::nullopt;
  auto p = instant(a), q = instant(b);
  if (!p || !q) return std::nullopt;
  auto three_way = [](long double x, long double y) { return (x > y) - (x < y); };
  if (p->zoned == q->zoned) return three_way(p->seconds, q->seconds);
  constexpr long double kWindow = 14 * 3600;
  const int sign = p->zoned ? 1 : -1;  // compare as (zoned, unzoned), then flip back
  const Instant& zoned = p->zoned ? *p : *q;
  const Instant& local = p->zoned ? *q : *p;
  if (zoned.seconds < local.seconds - kWindow) return -sign;
  if (zoned.seconds > local.seconds + kWindow) return sign;
  return std::nullopt;  // indeterminate
}

// The timezone suffix of a date/dateTime ("Z", "+05:00", or "").
std::string tz_suffix(const std::string& s) {
  if (!s.empty() && s.back() == 'Z') return "Z";
  if (s.size() > 6 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') && s[s.size() - 3] == ':')
    return s.substr(s.size() - 6);
  return "";
}

// A component of a valid xsd:dateTime, exactly (SECONDS keeps its fraction digits). SPARQL 1.1 section
// 17.4.5: YEAR to SECONDS, TIMEZONE and TZ take an xsd:dateTime, not an xsd:date.
std::optional<Decimal> datetime_field(const Term& t, Op op) {
  if (t.kind != TermKind::Literal || t.datatype != xsd::kDateTime || !instant(t)) return std::nullopt;
  const std::string& s = t.value;  // [-]YYYY...-MM-DDThh:mm:ss[.s+][zone], checked by instant()
  const size_t month = s.find('-', 1) + 1, time = s.find('T') + 1;
  switch (op) {
    case Op::Year:
      return Decimal::parse(s.substr(0, month - 1));
    case Op::Month:
      return Decimal::parse(s.substr(month, 2));
    case Op::Day:
      return Decimal::parse(s.substr(month + 3, 2));
    case Op::Hours:
      return Decimal::parse(s.substr(time, 2));
    case Op::Minutes:
      return Decimal::parse(s.substr(time + 3, 2));
    case Op::Seconds:
      return Decimal::parse(s.substr(time + 6, s.size() - tz_suffix(s).size() - (time + 6)));
    default:
      return std::nullopt;
  }
}

}  // namespace

bool ordered_by_id(TermId id) {
  if (id == kUnbound || !is_inline(id)) return false;
  const IdTag tag = id_tag(id);
  // Doubles are left out: NaN has no place in the order. Dates and dateTimes with and without a time zone
  // are not comparable, and their time-zone code sits in the low bits, so only one kind may meet another.
  return tag == IdTag::Integer || tag == IdTag::Decimal || tag == IdTag::Boolean || tag == IdTag::Date ||
         tag == IdTag::DateTime;
}

// Whether a comparison operator holds for a three-way comparison result.
static bool holds(Op op, int c) {
  switch (op) {
    case Op::Equal:
      return c == 0;
    case Op::NotEqual:
      return c != 0;
    case Op::Less:
      return c < 0;
    case Op::Greater:
      return c > 0;
    case Op::LessEqual:
      return c <= 0;
    default:
      return c >= 0;
  }
}

static bool same_zone_kind(TermId a, TermId b) {
  if (id_tag(a) != IdTag::Date && id_tag(a) != IdTag::DateTime) return true;
  return ((a & 0xFF) == 0) == ((b & 0xFF) == 0);
}

std::optional<bool> effective_boolean(const Term& t) {
  if (t.kind != TermKind::Literal) return std::nullopt;
  if (t.datatype == xsd::kBoolean) {
    if (t.value == "true" || t.value == "1") return true;
    if (t.value == "false" || t.value == "0") return false;
    return false;  // an invalid boolean has EBV false
  }
  if (t.datatype.empty()) return !t.value.empty();
  if (auto n = number(t)) return !(n->is_zero() || std::isnan(n->value));
  if (is_integer_type(t.datatype) || t.datatype == xsd::kDecimal || t.datatype == kFloat ||
      t.datatype == xsd::kDouble)
    return false;  // ill-typed numeric
  return std::nullopt;
}

// <0, 0, >0, or nullopt when the two cannot be ordered by value.
static std::optional<int> value_compare(const Term& a, const Term& b) {
  auto na = number(a), nb = number(b);
  if (na && nb) {
    if (na->exact && nb->exact) return na->exact->compare(*nb->exact);
    if (std::isnan(na->value) || std::isnan(nb->value)) return std::nullopt;
    return (na->value > nb->value) - (na->value < nb->value);
  }
  if (is_simple_or_string(a) && is_simple_or_string(b))
    return a.value.compare(b.value) < 0 ? -1 : a.value == b.value ? 0 : 1;
  if (a.kind == TermKind::Literal && b.kind == TermKind::Literal && a.datatype == b.datatype) {
    if (a.datatype == xsd::kBoolean) {
      // Only valid lexical forms have a value: "TRUE"^^xsd:boolean (EBV false) does not equal false.
      auto valid = [](const Term& t) {
        return t.value == "true" || t.value == "1" || t.value == "false" || t.value == "0";
      };
      if (!valid(a) || !valid(b)) return std::nullopt;
      auto ea = effective_boolean(a), eb = effective_boolean(b);
      return (*ea > *eb) - (*ea < *eb);
    }
    if (a.datatype == xsd::kDateTime || a.datatype == xsd::kDate) return instant_compare(a, b);
  }
  return std::nullopt;
}

std::optional<bool> terms_equal(const Term& a, const Term& b) {
  if (auto c = value_compare(a, b)) return *c == 0;
  if (a.datatype == b.datatype && instant(a) && instant(b)) return std::nullopt;  // indeterminate
  auto na = number(a), nb = number(b);
  if (na && nb) return false;  // NaN
  if (a == b) return true;
  if (!a.language.empty() || !b.language.empty())
    return false;  // a language-tagged literal equals only itself
  if (a.kind == TermKind::Literal && b.kind == TermKind::Literal) {
    // Literals of datatypes we cannot compare by value: unequal only if both are known types.
    auto known = [](const Term& t) {
      return t.datatype.empty() || t.datatype == xsd::kBoolean || t.datatype == xsd::kDateTime ||
             t.datatype == xsd::kDate || number(t);
    };
    if (!known(a) || !known(b)) return std::nullopt;
  }
  return false;
}

int order_compare(const std::optional<Term>& a, const std::optional<Term>& b) {
  if (!a || !b) return !!a - !!b;
  auto rank = [](const Term& t) { return t.kind == TermKind::Blank ? 0 : t.kind == TermKind::Iri ? 1 : 2; };
  if (rank(*a) != rank(*b)) return rank(*a) - rank(*b);
  if (a->kind == TermKind::Literal)
    if (auto c = value_compare(*a, *b)) return *c;
  if (int c = a->value.compare(b->value)) return c;
  if (int c = a->datatype.compare(b->datatype)) return c;
  return a->language.compare(b->language);
}

// IN / NOT IN, apart from eval(): its locals would otherwise be in the stack once per level of nesting.
__attribute__((noinline)) std::optional<Term> ExpressionEvaluator::in_list(const Expr& e, const Row& row) {
  auto v = eval(*e.args[0], row);
  if (!v) return std::nullopt;
  bool error = false;
  for (size_t i = 1; i < e.args.size(); ++i) {
    ctx_.check_deadline();  // a list may be long (hundreds of thousands of values)
    auto x = eval(*e.args[i], row);
    auto eq = x ? terms_equal(*v, *x) : std::nullopt;
    if (eq && *eq) return boolean(e.op == Op::In);
    if (!eq) error = true;
  }
  if (error) return std::nullopt;
  return boolean(e.op == Op::NotIn);
}

const Regex* ExpressionEvaluator::regex(const std::string& pattern, const std::string& flags) {
  // Compiled once per query: a pattern is usually a constant, and compiling costs far more than a match. A
  // pattern that changes with every row (read from the data) is bounded by clearing the cache when full.
  constexpr size_t kMaxRegexes = 1024;
  std::string key = flags + '\0' + pattern;
  auto it = regexes_.find(key);
  if (it == regexes_.end()) {
    if (regexes_.size() >= kMaxRegexes) regexes_.clear();
    it = regexes_.emplace(std::move(key), Regex::compile(pattern, flags)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::optional<Term> ExpressionEvaluator::eval(const Expr& e, const Row& row) {
  switch (e.op) {
    case Op::Constant:
      return e.constant;
    case Op::Variable:
      if (row[e.var] == kUnbound) return std::nullopt;
      return ctx_.term(row[e.var]);
    case Op::Bound:
      return boolean(e.args[0]->op == Op::Variable && row[e.args[0]->var] != kUnbound);
    case Op::Or:
    case Op::And: {
      auto b = ebv(e, row);
      return b ? std::optional<Term>(boolean(*b)) : std::nullopt;
    }
    case Op::If: {
      auto c = ebv(*e.args[0], row);
      if (!c) return std::nullopt;
      return eval(*e.args[*c ? 1 : 2], row);
    }
    case Op::Coalesce:
      for (auto& a : e.args)
        if (auto v = eval(*a, row)) return v;
      return std::nullopt;
    case Op::In:
    case Op::NotIn:
      return in_list(e, row);
    case Op::Exists:
    case Op::NotExists:
      return boolean(exists_(*e.pattern, row) == (e.op == Op::Exists));
    default:
      return call(e, row);
  }
}

std::optional<bool> ExpressionEvaluator::ebv(const Expr& e, const Row& row) {
  if (e.op >= Op::Equal && e.op <= Op::GreaterEqual && e.args.size() == 2)
    if (auto c = compare_ids(e.op, *e.args[0], *e.args[1], row)) return *c;
  // The logical operators without building boolean terms (errors as in eval): filters call this per row.
  if (e.op == Op::And) {
    auto a = ebv(*e.args[0], row);
    if (a && !*a) return false;
    auto b = ebv(*e.args[1], row);
    if (b && !*b) return false;
    if (a && b) return true;
    return std::nullopt;
  }
  if (e.op == Op::Or) {
    auto a = ebv(*e.args[0], row);
    if (a && *a) return true;
    auto b = ebv(*e.args[1], row);
    if (b && *b) return true;
    if (a && b) return false;
    return std::nullopt;
  }
  if (e.op == Op::Not && e.args.size() == 1) {
    auto a = ebv(*e.args[0], row);
    if (!a) return std::nullopt;
    return !*a;
  }
  if (e.op == Op::Exists || e.op == Op::NotExists) return exists_(*e.pattern, row) == (e.op == Op::Exists);
  auto v = eval(e, row);
  if (!v) return std::nullopt;
  return effective_boolean(*v);
}

TermId ExpressionEvaluator::operand_id(const Expr& e, const Row& row) {
  if (e.op == Op::Variable) return row[e.var];
  if (e.op != Op::Constant) return kUnbound;
  auto [it, inserted] = constant_ids_.try_emplace(&e, kUnbound);
  if (inserted) {
    // An IRI constant gets the query's one id for it (the store's, else a local one); a literal its
    // inline id, if it has one.
    it->second = e.constant.kind == TermKind::Iri ? ctx_.intern(e.constant)
                                                  : inline_id(e.constant.view()).value_or(kUnbound);
  }
  return it->second;
}

namespace {
// Whether an operand's id is an IRI's or a blank node's, known from the id alone.
bool resource_id(TermId id, const Expr& operand) {
  if (operand.op == Op::Constant) return operand.constant.kind == TermKind::Iri;
  return id != kUnbound && (id_tag(id) == IdTag::Iri || id_tag(id) == IdTag::Blank);
}
}  // namespace

std::optional<bool> ExpressionEvaluator::compare_ids(Op op, const Expr& a, const Expr& b, const Row& row) {
  TermId x = operand_id(a, row), y = operand_id(b, row);
  if (x == kUnbound || y == kUnbound) return std::nullopt;
  if (ordered_by_id(x) && ordered_by_id(y) && id_tag(x) == id_tag(y) && same_zone_kind(x, y)) {
    if (id_tag(x) == IdTag::Date || id_tag(x) == IdTag::DateTime)
      x >>= 8, y >>= 8;  // the instant, not the zone
    return holds(op, (x > y) - (x < y));
  }
  // A term has one id in a query: with an IRI or a blank node on one side, "=" is sameTerm (RDFterm-equal
  // is false, not an error, for different terms unless both are literals).
  if ((op == Op::Equal || op == Op::NotEqual) && (resource_id(x, a) || resource_id(y, b)))
    return (x == y) == (op == Op::Equal);
  return std::nullopt;
}

// op:numeric-add, -subtract, -multiply and -divide on two integers or decimals: exact, but for a quotient's
// rounding (Decimal::kDivisionDigits); an integer quotient is a decimal.
static std::optional<Term> exact_arithmetic(Op op, const Number& x, const Number& y) {
  const NumType type = std::max(x.type, y.type);
  switch (op) {
    case Op::Add:
      return make_exact(type, *x.exact + *y.exact);
    case Op::Subtract:
      return make_exact(type, *x.exact - *y.exact);
    case Op::Multiply:
      return make_exact(type, *x.exact * *y.exact);
    default: {
      auto quotient = x.exact->divided_by(*y.exact);
      if (!quotient) return std::nullopt;  // division by zero
      return make_exact(NumType::Decimal, *quotient);
    }
  }
}

std::optional<Term> ExpressionEvaluator::call(const Expr& e, const Row& row) {
  // Comparisons of inline values of one type, and of IRIs, are decided on the ids.
  if (e.op >= Op::Equal && e.op <= Op::GreaterEqual && e.args.size() == 2) {
    if (auto c = compare_ids(e.op, *e.args[0], *e.args[1], row)) return boolean(*c);
  }
  std::vector<Term> a;
  a.reserve(e.args.size());
  for (auto& arg : e.args) {
    if (e.args.size() > 64) ctx_.check_deadline();
    auto v = eval(*arg, row);
    if (!v) return std::nullopt;
    a.push_back(std::move(*v));
  }
  return apply(e, a);
}

// The operators' bodies hold many locals; apart from call() they take no stack in a nested evaluation.
__attribute__((noinline)) std::optional<Term> ExpressionEvaluator::apply(const Expr& e,
                                                                         std::vector<Term>& a) {
  auto num = [&](size_t i) { return number(a[i]); };
  switch (e.op) {
    case Op::Not: {
      auto b = effective_boolean(a[0]);
      return b ? std::optional<Term>(boolean(!*b)) : std::nullopt;
    }
    case Op::Equal:
    case Op::NotEqual: {
      auto eq = terms_equal(a[0], a[1]);
      if (!eq) return std::nullopt;
      return boolean(*eq == (e.op == Op::Equal));
    }
    case Op::Less:
    case Op::Greater:
    case Op::LessEqual:
    case Op::GreaterEqual: {
      auto c = value_compare(a[0], a[1]);
      if (!c) return std::nullopt;
      bool r = e.op == Op::Less        ? *c < 0
               : e.op == Op::Greater   ? *c > 0
               : e.op == Op::LessEqual ? *c <= 0
                                       : *c >= 0;
      return boolean(r);
    }
    case Op::Add:
    case Op::Subtract:
    case Op::Multiply:
    case Op::Divide: {
      auto x = num(0), y = num(1);
      if (!x || !y) return std::nullopt;
      if (x->exact && y->exact) return exact_arithmetic(e.op, *x, *y);
      NumType t = std::max(x->type, y->type);
      long double r;
      switch (e.op) {
        case Op::Add:
          r = x->value + y->value;
          break;
        case Op::Subtract:
          r = x->value - y->value;
          break;
        case Op::Multiply:
          r = x->value * y->value;
          break;
        default:
          if (t <= NumType::Decimal && y->value == 0) return std::nullopt;
          if (t == NumType::Integer) t = NumType::Decimal;
          r = x->value / y->value;
      }
      return make_number(t, r);
    }
    case Op::Negate:
    case Op::Plus: {
      auto x = num(0);
      if (!x) return std::nullopt;
      if (e.op == Op::Negate && x->exact) x->exact = -*x->exact;
      return make_number(x->type, e.op == Op::Negate ? -x->value : x->value, x->exact);
    }
    case Op::Abs:
    case Op::Round:
    case Op::Ceil:
    case Op::Floor: {
      auto x = num(0);
      if (!x) return std::nullopt;
      if (x->exact)
        return make_exact(x->type, e.op == Op::Abs     ? x->exact->abs()
                                   : e.op == Op::Ceil  ? x->exact->ceil()
                                   : e.op == Op::Floor ? x->exact->floor()
                                                       : x->exact->round());
      long double v = x->value;
      v = e.op == Op::Abs     ? std::fabs(v)
          : e.op == Op::Ceil  ? std::ceil(v)
          : e.op == Op::Floor ? std::floor(v)
                              : std::floor(v + 0.5L);
      return make_number(x->type, v);
    }
    case Op::Rand: {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      return make_number(NumType::Double, std::uniform_real_distribution<double>(0, 1)(rng));
    }
    case Op::SameTerm:
      return boolean(a[0] == a[1]);
    case Op::IsIri:
      return boolean(a[0].kind == TermKind::Iri);
    case Op::IsBlank:
      return boolean(a[0].kind == TermKind::Blank);
    case Op::IsLiteral:
      return boolean(a[0].kind == TermKind::Literal);
    case Op::IsNumeric:
      return boolean(number(a[0]).has_value());
    case Op::Str:
      if (a[0].kind == TermKind::Blank) return std::nullopt;
      return Term::literal(a[0].value);
    case Op::Lang:
      if (a[0].kind != TermKind::Literal) return std::nullopt;
      return Term::literal(a[0].language);
    case Op::Datatype:
      if (a[0].kind != TermKind::Literal) return std::nullopt;
      return Term::iri(!a[0].language.empty()  ? kLangString
                       : a[0].datatype.empty() ? std::string(xsd::kString)
                                               : a[0].datatype);
    case Op::Iri:  // a[1]: the query's base IRI
      if (a[0].kind == TermKind::Iri) return a[0];
      if (!is_simple_or_string(a[0])) return std::nullopt;
      return Term::iri(a.size() > 1 ? resolve_iri(a[1].value, a[0].value) : a[0].value);
    case Op::Bnode: {  // fresh per call; BNODE(str) the same for one string within a solution
      thread_local uint64_t counter = 0;
      if (a.empty()) return Term::blank("q" + std::to_string(++counter));
      if (!is_simple_or_string(a[0])) return std::nullopt;
      auto [it, fresh] = solution_bnodes_.try_emplace(a[0].value);
      if (fresh) it->second = Term::blank("q" + std::to_string(++counter));
      return it->second;
    }
    case Op::StrDt:
      if (!is_simple_or_string(a[0]) || a[1].kind != TermKind::Iri) return std::nullopt;
      return Term::typed(a[0].value, a[1].value);
    case Op::StrLang:
      if (!is_simple_or_string(a[0]) || !is_simple_or_string(a[1]) || a[1].value.empty()) return std::nullopt;
      return Term::lang(a[0].value, a[1].value);
    case Op::StrLen:
      if (!is_string_like(a[0])) return std::nullopt;
      return make_number(NumType::Integer, utf8_length(a[0].value));
    case Op::SubStr: {
      if (!is_string_like(a[0])) return std::nullopt;
      auto start = num(1);
      if (!start) return std::nullopt;
      long double from = std::round(start->value), to = INFINITY;
      if (a.size() > 2) {
        auto len = num(2);
        if (!len) return std::nullopt;
        to = from + std::round(len->value);
      }
      if (std::isnan(from) || std::isnan(to)) return same_kind_string(a[0], "");
      long double first = std::max(from, 1.0L),
                  last = std::min(to, static_cast<long double>(utf8_length(a[0].value)) + 1);
      if (last <= first) return same_kind_string(a[0], "");
      size_t b = utf8_offset(a[0].value, static_cast<size_t>(first - 1)),
             en = utf8_offset(a[0].value, static_cast<size_t>(last - 1));
      return same_kind_string(a[0], a[0].value.substr(b, en - b));
    }
    case Op::Md5:
    case Op::Sha1:
    case Op::Sha256:
    case Op::Sha384:
    case Op::Sha512:
      if (!is_simple_or_string(a[0])) return std::nullopt;
      return Term::literal(hex_digest(e.op, a[0].value));
    case Op::UCase:
    case Op::LCase: {
      if (!is_string_like(a[0])) return std::nullopt;
      std::string s = a[0].value;
      for (char& c : s)
        c = static_cast<char>(e.op == Op::UCase ? std::toupper(static_cast<unsigned char>(c))
                                                : std::tolower(static_cast<unsigned char>(c)));
      return same_kind_string(a[0], s);
    }
    case Op::StrStarts:
    case Op::StrEnds:
    case Op::Contains: {
      if (!compatible(a[0], a[1])) return std::nullopt;
      const std::string &s = a[0].value, &t = a[1].value;
      bool r = e.op == Op::StrStarts ? s.rfind(t, 0) == 0
               : e.op == Op::StrEnds
                   ? s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0
                   : s.find(t) != std::string::npos;
      return boolean(r);
    }
    case Op::StrBefore:
    case Op::StrAfter: {
      if (!compatible(a[0], a[1])) return std::nullopt;
      auto pos = a[0].value.find(a[1].value);
      if (pos == std::string::npos) return Term::literal("");
      return same_kind_string(a[0], e.op == Op::StrBefore ? a[0].value.substr(0, pos)
                                                          : a[0].value.substr(pos + a[1].value.size()));
    }
    case Op::EncodeForUri: {
      if (!is_string_like(a[0])) return std::nullopt;
      std::string out;
      for (unsigned char c : a[0].value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          char buf[4];
          std::snprintf(buf, sizeof buf, "%%%02X", c);
          out += buf;
        }
      }
      return Term::literal(out);
    }
    case Op::Concat: {
      std::string out, lang;
      bool same_lang = true;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!is_string_like(a[i])) return std::nullopt;
        out += a[i].value;
        if (i == 0) lang = a[i].language;
        if (!same_language(a[i].language, lang)) same_lang = false;
      }
      if (!a.empty() && same_lang && !lang.empty()) return Term::lang(out, lang);
      return Term::literal(out);
    }
    case Op::LangMatches: {
      if (a[0].kind != TermKind::Literal || a[1].kind != TermKind::Literal) return std::nullopt;
      std::string tag = a[0].value, range = a[1].value;
      for (char& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (char& c : range) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (range == "*") return boolean(!tag.empty());
      return boolean(tag == range ||
                     (tag.rfind(range, 0) == 0 && tag.size() > range.size() && tag[range.size()] == '-'));
    }
    case Op::Regex:
    case Op::Replace: {
      if (!is_string_like(a[0]) || !is_simple_or_string(a[1])) return std::nullopt;
      size_t flag_index = e.op == Op::Regex ? 2 : 3;
      std::string flags = a.size() > flag_index ? a[flag_index].value : "";
      const Regex* re = regex(a[1].value, flags);
      if (!re) return std::nullopt;
      if (e.op == Op::Regex) {
        const auto found = re->search(a[0].value);
        return found ? std::optional<Term>(boolean(*found)) : std::nullopt;
      }
      if (!is_simple_or_string(a[2])) return std::nullopt;
      auto replaced = re->replace(a[0].value, a[2].value);
      if (!replaced) return std::nullopt;
      return same_kind_string(a[0], std::move(*replaced));
    }
    case Op::Year:
    case Op::Month:
    case Op::Day:
    case Op::Hours:
    case Op::Minutes: {
      auto v = datetime_field(a[0], e.op);
      if (!v) return std::nullopt;
      return make_exact(NumType::Integer, *v);
    }
    case Op::Seconds: {
      auto v = datetime_field(a[0], e.op);
      if (!v) return std::nullopt;
      return make_exact(NumType::Decimal, *v);
    }
    case Op::Tz:
      if (a[0].datatype != xsd::kDateTime || !instant(a[0])) return std::nullopt;
      return Term::literal(tz_suffix(a[0].value));
    case Op::Timezone: {
      if (a[0].datatype != xsd::kDateTime || !instant(a[0])) return std::nullopt;
      std::string tz = tz_suffix(a[0].value);
      if (tz.empty()) return std::nullopt;
      if (tz == "Z") return Term::typed("PT0S", kXsd + "dayTimeDuration");
      int h = std::stoi(tz.substr(1, 2)), m = std::stoi(tz.substr(4, 2));
      std::string d = std::string(tz[0] == '-' ? "-" : "") + "PT" + (h ? std::to_string(h) + "H" : "") +
                      (m ? std::to_string(m) + "M" : "");
      if (!h && !m) d = "PT0S";
      return Term::typed(d, kXsd + "dayTimeDuration");
    }
    case Op::Now: {
      auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
      auto days = std::chrono::floor<std::chrono::days>(now);
      std::chrono::year_month_day ymd(days);
      std::chrono::hh_mm_ss<std::chrono::milliseconds> t(now - days);
      char buf[64];
      std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    static_cast<int>(t.hours().count()), static_cast<int>(t.minutes().count()),
                    static_cast<int>(t.seconds().count()), static_cast<int>(t.subseconds().count()));
      return Term::typed(buf, xsd::kDateTime);
    }
    case Op::Uuid:
    case Op::StrUuid: {
      thread_local std::mt19937_64 rng{std::random_device{}()};
      uint64_t hi = rng(), lo = rng();
      char buf[40];
      std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                    static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFF),
                    static_cast<unsigned>(((lo >> 48) & 0x3FFF) | 0x8000),
                    static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
      if (e.op == Op::Uuid) return Term::iri(std::string("urn:uuid:") + buf);
      return Term::literal(buf);
    }
    case Op::Cast: {
      const Term& v = a[0];
      const std::string& to = e.function_iri;
      if (v.kind == TermKind::Blank) return std::nullopt;
      if (to == xsd::kString) return Term::literal(v.value);
      if (v.kind == TermKind::Iri) return std::nullopt;
      if (to == xsd::kDateTime) {
        const Term cast = Term::typed(v.value, xsd::kDateTime);
        if ((v.datatype == xsd::kDateTime || is_simple_or_string(v)) && instant(cast)) return cast;
        return std::nullopt;
      }
      auto n = number(v);
      if (to == xsd::kBoolean) {
        if (n) return boolean(!(n->is_zero() || std::isnan(n->value)));
        if (v.datatype == xsd::kBoolean || is_simple_or_string(v)) {
          if (v.value == "true" || v.value == "1") return boolean(true);
          if (v.value == "false" || v.value == "0") return boolean(false);
        }
        return std::nullopt;
      }
      long double value;
      std::optional<Decimal> exact;
      if (n) {
        value = n->value;
        exact = n->exact;
      } else if (v.datatype == xsd::kBoolean) {
        value = v.value == "true" || v.value == "1";
      } else if (is_simple_or_string(v)) {
        NumType guess = to == xsd::kDecimal   ? NumType::Decimal
                        : is_integer_type(to) ? NumType::Integer
                                              : NumType::Double;
        auto parsed = number(Term::typed(v.value, guess == NumType::Integer   ? std::string(xsd::kInteger)
                                                  : guess == NumType::Decimal ? std::string(xsd::kDecimal)
                                                                              : std::string(xsd::kDouble)));
        if (!parsed) return std::nullopt;
        value = parsed->value;
        exact = parsed->exact;
      } else {
        return std::nullopt;
      }
      if (is_integer_type(to)) {
        if (exact) return Term::typed(exact->truncated().integer_text(), to);
        if (std::isnan(value) || std::isinf(value)) return std::nullopt;
        return Term::typed(make_number(NumType::Integer, std::trunc(value)).value, to);
      }
      if (to == xsd::kDecimal) {
        if (exact) return make_exact(NumType::Decimal, *exact);
        if (std::isnan(value) || std::isinf(value)) return std::nullopt;
        return make_number(NumType::Decimal, value);
      }
      if (to == kFloat) return make_number(NumType::Float, value);
      if (to == xsd::kDouble) return make_number(NumType::Double, value);
      return std::nullopt;
    }
    case Op::Unknown:
      return std::nullopt;
    default:
      throw QueryError("this SPARQL function is not supported yet");
  }
}

// ---- aggregates -------------------------------------------------------------------------------------------

void AggregateState::add(const std::optional<Term>& value) {
  if (e_.args.empty()) {  // COUNT(*): every solution counts
    ++count_;
    return;
  }
  if (!value) {
    if (e_.op != Op::Count && e_.op != Op::Sample && e_.op != Op::GroupConcat) error_ = true;
    if (e_.op == Op::GroupConcat) error_ = true;
    return;
  }
  if (e_.distinct) {
    std::string key = identity_key(*value);
    const size_t size = key.size();
    if (!seen_.insert(std::move(key)).second) return;
    seen_bytes_ += size + 64;  // and the set's node
  }
  ++count_;
  switch (e_.op) {
    case Op::Sum:
    case Op::Avg: {
      auto n = number(*value);
      if (!n) {
        error_ = true;
        return;
      }
      if (!total_) {
        total_ = Total{static_cast<int>(n->type), n->value, n->exact};
        return;
      }
      total_->type = std::max(total_->type, static_cast<int>(n->type));
      if (total_->exact && n->exact) {
        total_->exact = *total_->exact + *n->exact;
      } else {
        if (total_->exact) {  // from here on approximate, starting from the exact total so far
          total_->approximate = std::strtold(total_->exact->decimal_text().c_str(), nullptr);
          total_->exact.reset();
        }
        total_->approximate += n->value;
      }
      return;
    }
    case Op::Min:
    case Op::Max: {
      if (!acc_) {
        acc_ = value;
        return;
      }
      int c = order_compare(value, acc_);
      if ((e_.op == Op::Min && c < 0) || (e_.op == Op::Max && c > 0)) acc_ = value;
      return;
    }
    case Op::Sample:
      if (!acc_) acc_ = value;
      return;
    case Op::GroupConcat:
      if (!is_string_like(*value)) {
        error_ = true;
        return;
      }
      if (!first_) concat_ += e_.separator;
      concat_ += value->value;
      first_ = false;
      return;
    default:
      return;
  }
}

std::optional<Term> AggregateState::result() const {
  switch (e_.op) {
    case Op::Count:
      return make_number(NumType::Integer, count_);
    case Op::Sum:
      if (error_) return std::nullopt;
      if (!total_) return make_number(NumType::Integer, 0);
      return make_number(static_cast<NumType>(total_->type), total_->approximate, total_->exact);
    case Op::Avg: {
      if (error_) return std::nullopt;
      if (!total_ || count_ == 0) return make_number(NumType::Integer, 0);
      if (total_->exact) return make_exact(NumType::Decimal, *total_->exact->divided_by(Decimal(count_)));
      return make_number(std::max(static_cast<NumType>(total_->type), NumType::Decimal),
                         total_->approximate / count_);
    }
    case Op::Min:
    case Op::Max:
      if (error_) return std::nullopt;
      return acc_;
    case Op::Sample:
      return acc_;
    case Op::GroupConcat:
      if (error_) return std::nullopt;
      return Term::literal(concat_);
    default:
      return std::nullopt;
  }
}

}  // namespace quiver::query
