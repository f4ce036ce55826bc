#include "query/decimal.h"

namespace quiver::query {
namespace {

using Int = boost::multiprecision::cpp_int;

Int power_of_ten(int n) {
  return boost::multiprecision::pow(Int(10), static_cast<unsigned>(n));
}

int digit_count(const Int& magnitude) {
  return static_cast<int>(magnitude.str().size());
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view lexical) {
  size_t i = 0;
  bool negative = false;
  if (!lexical.empty() && (lexical[0] == '+' || lexical[0] == '-')) {
    negative = lexical[0] == '-';
    i = 1;
  }
  std::string digits;
  int scale = 0;
  bool point = false;
  for (; i < lexical.size(); ++i) {
    const char c = lexical[i];
    if (c >= '0' && c <= '9') {
      if (digits == "0") digits.clear();  // no leading zero: Boost would read the digits as octal
      digits += c;
      scale += point;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  Int unscaled(digits);
  return Decimal(negative ? Int(-unscaled) : unscaled, scale);
}

void Decimal::normalize() {
  while (scale_ > 0) {
    Int quotient, remainder;
    boost::multiprecision::divide_qr(unscaled_, Int(10), quotient, remainder);
    if (!remainder.is_zero()) break;
    unscaled_ = std::move(quotient);
    --scale_;
  }
  if (unscaled_.is_zero()) scale_ = 0;
}

std::string Decimal::integer_text() const {
  return unscaled_.str();
}

std::string Decimal::decimal_text() const {
  std::string digits = Int(boost::multiprecision::abs(unscaled_)).str();
  if (digits.size() <= static_cast<size_t>(scale_)) digits.insert(0, scale_ + 1 - digits.size(), '0');
  const std::string fraction = scale_ == 0 ? "0" : digits.substr(digits.size() - scale_);
  return (unscaled_.sign() < 0 ? "-" : "") + digits.substr(0, digits.size() - scale_) + "." + fraction;
}

std::pair<Decimal::Int, Decimal::Int> Decimal::aligned(const Decimal& a, const Decimal& b, int& scale) {
  scale = std::max(a.scale_, b.scale_);
  return {a.unscaled_ * power_of_ten(scale - a.scale_), b.unscaled_ * power_of_ten(scale - b.scale_)};
}

Decimal Decimal::operator+(const Decimal& b) const {
  int scale;
  auto [x, y] = aligned(*this, b, scale);
  return Decimal(x + y, scale);
}

Decimal Decimal::operator-(const Decimal& b) const {
  int scale;
  auto [x, y] = aligned(*this, b, scale);
  return Decimal(x - y, scale);
}

Decimal Decimal::operator*(const Decimal& b) const {
  return Decimal(unscaled_ * b.unscaled_, scale_ + b.scale_);
}

Decimal Decimal::operator-() const {
  return Decimal(-unscaled_, scale_);
}

std::optional<Decimal> Decimal::divided_by(const Decimal& b) const {
  if (b.is_zero()) return std::nullopt;
  if (is_zero()) return Decimal();
  const Int a_magnitude = boost::multiprecision::abs(unscaled_);
  const Int b_magnitude = boost::multiprecision::abs(b.unscaled_);
  // The quotient a / b is (a_magnitude / b_magnitude) * 10^(b.scale_ - scale_). Enough powers of ten on the
  // dividend give the integer quotient at least one digit more than kept, for the rounding.
  const int shift = std::max(0, kDivisionDigits + 1 + digit_count(b_magnitude) - digit_count(a_magnitude));
  Int quotient, remainder;
  boost::multiprecision::divide_qr(a_magnitude * power_of_ten(shift), b_magnitude, quotient, remainder);
  int exponent = b.scale_ - scale_ - shift;
  // Round to kDivisionDigits significant digits, half to even; a non-zero remainder breaks a tie upward.
  const int dropped = digit_count(quotient) - kDivisionDigits;
  Int kept, rest;
  const Int unit = power_of_ten(dropped);
  boost::multiprecision::divide_qr(quotient, unit, kept, rest);
  const Int twice = rest * 2;
  if (twice > unit || (twice == unit && (!remainder.is_zero() || kept % 2 != 0))) ++kept;
  exponent += dropped;
  if (unscaled_.sign() != b.unscaled_.sign()) kept = -kept;
  if (exponent >= 0) return Decimal(kept * power_of_ten(exponent), 0);
  return Decimal(std::move(kept), -exponent);
}

int Decimal::compare(const Decimal& b) const {
  int scale;
  auto [x, y] = aligned(*this, b, scale);
  return (x > y) - (x < y);
}

Decimal Decimal::abs() const {
  return Decimal(boost::multiprecision::abs(unscaled_), scale_);
}

Decimal Decimal::truncated() const {
  return Decimal(Int(unscaled_ / power_of_ten(scale_)), 0);  // cpp_int division truncates toward zero
}

Decimal Decimal::floor() const {
  Decimal whole = truncated();
  if (unscaled_.sign() < 0 && scale_ > 0) whole.unscaled_ -= 1;
  return whole;
}

Decimal Decimal::ceil() const {
  Decimal whole = truncated();
  if (unscaled_.sign() > 0 && scale_ > 0) whole.unscaled_ += 1;
  return whole;
}

Decimal Decimal::round() const {
  return (*this + Decimal(Int(5), 1)).floor();
}

}  // namespace quiver::query
