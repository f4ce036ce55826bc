#include "store/term_id.h"

#include <xxhash.h>

#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

namespace quiver {
namespace {

constexpr uint64_t kSignBias = uint64_t{1} << (kPayloadBits - 1);
constexpr int64_t kMaxInline = static_cast<int64_t>(kSignBias) - 1;
constexpr int64_t kMinInline = -static_cast<int64_t>(kSignBias);
constexpr int64_t kDecimalScale = 1'000'000;  // decimals inline as fixed point with 6 fraction digits
constexpr int kDecimalDigits = 6;

uint64_t bias(int64_t v) {
  return static_cast<uint64_t>(v) + kSignBias;
}
int64_t unbias(uint64_t p) {
  return static_cast<int64_t>(p - kSignBias);
}
bool fits(int64_t v) {
  return v >= kMinInline && v <= kMaxInline;
}

bool parse_int64(std::string_view s, int64_t& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

// ---- integer / decimal ----

std::string render_decimal(int64_t scaled) {
  const bool neg = scaled < 0;
  const uint64_t mag = neg ? -static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  std::string frac = std::to_string(mag % kDecimalScale);
  frac.insert(0, kDecimalDigits - frac.size(), '0');
  while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
  return (neg ? "-" : "") + std::to_string(mag / kDecimalScale) + "." + frac;
}

std::optional<uint64_t> decimal_payload(std::string_view s) {
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return std::nullopt;
  if (s.size() - dot - 1 > kDecimalDigits) return std::nullopt;
  int64_t whole;
  if (!parse_int64(s.substr(0, dot), whole)) return std::nullopt;
  if (whole > kMaxInline / kDecimalScale || whole < kMinInline / kDecimalScale) return std::nullopt;
  std::string frac(s.substr(dot + 1));
  for (char c : frac)
    if (c < '0' || c > '9') return std::nullopt;
  frac.append(kDecimalDigits - frac.size(), '0');
  int64_t f = std::stoll(frac);
  const bool neg = s[0] == '-';
  int64_t scaled = whole * kDecimalScale + (neg ? -f : f);
  if (render_decimal(scaled) != s) return std::nullopt;
  return bias(scaled);
}

// ---- double: IEEE bits made order-preserving, low 4 bits dropped (must be zero to inline) ----

uint64_t order_double(double d) {
  uint64_t bits = std::bit_cast<uint64_t>(d);
  return (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
}
double unorder_double(uint64_t o) {
  uint64_t bits = (o & (uint64_t{1} << 63)) ? o & ~(uint64_t{1} << 63) : ~o;
  return std::bit_cast<double>(bits);
}

std::string render_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "INF" : "-INF";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, end);  // e.g. 1.5e+02, 1e-07
  auto e = s.find('e');
  std::string mant = s.substr(0, e);
  if (mant.find('.') == std::string::npos) mant += ".0";
  int exp = std::stoi(s.substr(e + 1));
  return mant + "E" + std::to_string(exp);
}

std::optional<uint64_t> double_payload(std::string_view s) {
  double d;
  if (s == "INF")
    d = HUGE_VAL;
  else if (s == "-INF")
    d = -HUGE_VAL;
  else if (s == "NaN")
    d = std::nan("");
  else {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  }
  uint64_t o = order_double(d);
  if ((o & 0xF) != 0 || render_double(d) != s) return std::nullopt;
  return o >> 4;
}

// ---- dates and dateTimes: value in the high bits, timezone code in the low 8 ----
// tz code 0 = no timezone, otherwise offset in quarter hours + 57 (so -14:00..+14:00 -> 1..113).

using namespace std::chrono;
constexpr int kTzBits = 8;
constexpr int64_t kDayBias = int64_t{1} << 40;
constexpr int64_t kMsBias = int64_t{1} << 50;

bool parse_fixed(std::string_view s, size_t pos, size_t len, int& v) {
  if (pos + len > s.size()) return false;
  v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

// Parses an optional timezone at `pos`; returns the code and the offset in minutes.
bool parse_tz(std::string_view s, size_t pos, int& code, int& minutes) {
  code = 0;
  minutes = 0;
  if (pos == s.size()) return true;
  if (s.substr(pos) == "Z") {
    code = 57;
    return true;
  }
  int h, m;
  if (s.size() != pos + 6 || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':' ||
      !parse_fixed(s, pos + 1, 2, h) || !parse_fixed(s, pos + 4, 2, m) || h > 14 || m % 15 != 0)
    return false;
  minutes = (h * 60 + m) * (s[pos] == '-' ? -1 : 1);
  if (std::abs(minutes) > 14 * 60) return false;
  code = minutes / 15 + 57;
  return true;
}

std::string render_tz(int code) {
  if (code == 0) return "";
  if (code == 57) return "Z";
  int minutes = (code - 57) * 15;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', std::abs(minutes) / 60,
                std::abs(minutes) % 60);
  return buf;
}

bool parse_ymd(std::string_view s, sys_days& day) {
  int y, m, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !parse_fixed(s, 0, 4, y) || !parse_fixed(s, 5, 2, m) ||
      !parse_fixed(s, 8, 2, d) || y == 0)
    return false;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  day = sys_days(ymd);
  return true;
}

std::string render_ymd(sys_days day) {
  year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string render_date(uint64_t payload) {
  sys_days day{days{static_cast<int64_t>(payload >> kTzBits) - kDayBias}};
  return render_ymd(day) + render_tz(payload & 0xFF);
}

std::optional<uint64_t> date_payload(std::string_view s) {
  sys_days day;
  int code, minutes;
  if (!parse_ymd(s, day) || !parse_tz(s, 10, code, minutes)) return std::nullopt;
  uint64_t payload = (static_cast<uint64_t>(day.time_since_epoch().count() + kDayBias) << kTzBits) | code;
  if (render_date(payload) != s) return std::nullopt;
  return payload;
}

std::string render_datetime(uint64_t payload) {
  const int code = payload & 0xFF;
  const int offset_min = code ? (code - 57) * 15 : 0;
  const int64_t utc_ms = static_cast<int64_t>(payload >> kTzBits) - kMsBias;
  const sys_time<milliseconds> local{milliseconds{utc_ms + offset_min * 60'000LL}};
  const sys_days day = floor<days>(local);
  hh_mm_ss<milliseconds> t{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d", static_cast<int>(t.hours().count()),
                static_cast<int>(t.minutes().count()), static_cast<int>(t.seconds().count()));
  std::string out = render_ymd(day) + buf;
  if (auto ms = t.subseconds().count()) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + render_tz(code);
}

std::optional<uint64_t> datetime_payload(std::string_view s) {
  sys_days day;
  int hh, mi, ss, code, minutes;
  if (!parse_ymd(s, day) || s.size() < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      !parse_fixed(s, 11, 2, hh) || !parse_fixed(s, 14, 2, mi) || !parse_fixed(s, 17, 2, ss) || hh > 23 ||
      mi > 59 || ss > 59)
    return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    size_t digits = 0;
    while (pos + 1 + digits < s.size() && std::isdigit(static_cast<unsigned char>(s[pos + 1 + digits])))
      ++digits;
    if (digits == 0 || digits > 3) return std::nullopt;
    int frac = 0;
    parse_fixed(s, pos + 1, digits, frac);
    ms = frac * (digits == 1 ? 100 : digits == 2 ? 10 : 1);
    pos += 1 + digits;
  }
  if (!parse_tz(s, pos, code, minutes)) return std::nullopt;
  const int64_t local_ms =
      duration_cast<milliseconds>(day.time_since_epoch()).count() + ((hh * 60 + mi) * 60 + ss) * 1000LL + ms;
  const int64_t utc_ms = local_ms - minutes * 60'000LL;
  uint64_t payload = (static_cast<uint64_t>(utc_ms + kMsBias) << kTzBits) | code;
  if (render_datetime(payload) != s) return std::nullopt;
  return payload;
}

std::optional<uint64_t> integer_payload(std::string_view s) {
  int64_t v;
  if (!parse_int64(s, v) || !fits(v) || std::to_string(v) != s) return std::nullopt;
  return bias(v);
}

std::optional<uint64_t> boolean_payload(std::string_view s) {
  if (s == "true") return 1;
  if (s == "false") return 0;
  return std::nullopt;
}

// Each inlinable datatype: its tag, how a canonical lexical form becomes a payload, and back.
struct InlineType {
  std::string_view datatype;
  IdTag tag;
  std::optional<uint64_t> (*payload)(std::string_view);
  std::string (*render)(uint64_t);
};

const InlineType kInlineTypes[] = {
    {xsd::kInteger, IdTag::Integer, integer_payload, [](uint64_t p) { return std::to_string(unbias(p)); }},
    {xsd::kDecimal, IdTag::Decimal, decimal_payload, [](uint64_t p) { return render_decimal(unbias(p)); }},
    {xsd::kDouble, IdTag::Double, double_payload,
     [](uint64_t p) { return render_double(unorder_double(p << 4)); }},
    {xsd::kBoolean, IdTag::Boolean, boolean_payload,
     [](uint64_t p) { return std::string(p ? "true" : "false"); }},
    {xsd::kDate, IdTag::Date, date_payload, render_date},
    {xsd::kDateTime, IdTag::DateTime, datetime_payload, render_datetime},
};

}  // namespace

std::optional<TermId> integer_id(int64_t v) {
  return fits(v) ? std::optional<TermId>(make_id(IdTag::Integer, bias(v))) : std::nullopt;
}

std::optional<int64_t> integer_value(TermId id) {
  return id_tag(id) == IdTag::Integer ? std::optional<int64_t>(unbias(id & kPayloadMask)) : std::nullopt;
}

std::optional<TermId> inline_id(std::string_view lexical, std::string_view datatype) {
  if (datatype.size() <= xsd::kNs.size() || datatype.substr(0, xsd::kNs.size()) != xsd::kNs)
    return std::nullopt;
  for (const InlineType& type : kInlineTypes) {
    if (type.datatype != datatype) continue;
    auto payload = type.payload(lexical);
    return payload ? std::optional<TermId>(make_id(type.tag, *payload)) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<TermId> inline_id(const TermView& term) {
  if (term.kind != TermKind::Literal || term.datatype.empty()) return std::nullopt;
  return inline_id(term.value, term.datatype);
}

Term decode_inline(TermId id) {
  for (const InlineType& type : kInlineTypes)
    if (type.tag == id_tag(id)) return Term::typed(type.render(id & kPayloadMask), type.datatype);
  return Term::literal("");
}

TermKind term_kind(TermId id) {
  switch (id_tag(id)) {
    case IdTag::Iri:
      return TermKind::Iri;
    case IdTag::Blank:
      return TermKind::Blank;
    default:
      return TermKind::Literal;
  }
}

IdTag dictionary_tag(TermKind kind) {
  switch (kind) {
    case TermKind::Iri:
      return IdTag::Iri;
    case TermKind::Blank:
      return IdTag::Blank;
    default:
      return IdTag::Literal;
  }
}

TermId hashed_id(TermKind kind, std::string_view encoded, int hash_bits, uint32_t probe,
                 uint64_t* fingerprint) {
  const XXH128_hash_t hash = XXH3_128bits_withSeed(encoded.data(), encoded.size(), probe);
  if (fingerprint) *fingerprint = hash.high64;
  uint64_t h = hash.low64;
  if (hash_bits < kPayloadBits) h &= (uint64_t{1} << hash_bits) - 1;
  return make_id(dictionary_tag(kind), h);
}

}  // namespace quiver
