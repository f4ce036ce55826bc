// Numbers, booleans, strings and points in time, read from terms and made into terms.
#include "query/functions/values.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace quiver::query::functions {

bool is_integer_type(const std::string& dt) {
  static constexpr std::string_view derived[] = {"integer",
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
  if (dt.rfind(kXsd, 0) != 0) return false;
  const std::string_view local = std::string_view(dt).substr(kXsd.size());
  return std::find(std::begin(derived), std::end(derived), local) != std::end(derived);
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

bool is_string_like(const Term& t) {
  return t.kind == TermKind::Literal && t.datatype.empty();
}  // incl. lang

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

}  // namespace quiver::query::functions
