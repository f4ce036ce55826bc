// The functions on dates and times: their components, time zones, NOW().
#include <chrono>
#include <cstdio>

#include "query/functions/values.h"

namespace quiver::query::functions {
namespace {

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

std::optional<Term> apply_datetime(Op op, std::vector<Term>& a) {
  switch (op) {
    case Op::Year:
    case Op::Month:
    case Op::Day:
    case Op::Hours:
    case Op::Minutes: {
      auto v = datetime_field(a[0], op);
      if (!v) return std::nullopt;
      return make_exact(NumType::Integer, *v);
    }
    case Op::Seconds: {
      auto v = datetime_field(a[0], op);
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
    default:
      throw QueryError("internal error: not a date and time function");
  }
}

}  // namespace quiver::query::functions
