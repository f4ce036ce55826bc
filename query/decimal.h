// Exact xsd:integer and xsd:decimal values: an unbounded integer scaled by a power of ten. XSD requires at
// least 18 exact digits for decimals and op:numeric-add/-subtract/-multiply to be exact; binary floating
// point is neither. Integers are decimals without fraction digits, so they are unbounded too.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace quiver::query {

class Decimal {
 public:
  // Significant digits of a quotient (op:numeric-divide on decimals: the precision is the implementation's,
  // at least 18 digits), rounded half to even.
  static constexpr int kDivisionDigits = 24;

  Decimal() = default;
  explicit Decimal(long long n) : unscaled_(n) {}
  // The value of an xsd:integer or xsd:decimal lexical form (sign, digits, at most one point); nullopt
  // for any other text.
  static std::optional<Decimal> parse(std::string_view lexical);

  // Canonical lexical forms: "-12", and "-12.5" / "3.0" (a point and at least one digit after it).
  std::string integer_text() const;  // of an integral value
  std::string decimal_text() const;

  Decimal operator+(const Decimal& b) const;
  Decimal operator-(const Decimal& b) const;
  Decimal operator*(const Decimal& b) const;
  Decimal operator-() const;
  // Nullopt when dividing by zero.
  std::optional<Decimal> divided_by(const Decimal& b) const;
  int compare(const Decimal& b) const;
  bool is_zero() const { return unscaled_.is_zero(); }

  Decimal abs() const;
  Decimal floor() const;
  Decimal ceil() const;
  Decimal round() const;  // fn:round: halves toward positive infinity
  Decimal truncated() const;

 private:
  using Int = boost::multiprecision::cpp_int;
  Decimal(Int unscaled, int scale) : unscaled_(std::move(unscaled)), scale_(scale) { normalize(); }
  // Drops trailing zero fraction digits: one value, one representation.
  void normalize();
  // Both values' unscaled integers at the larger of the two scales.
  static std::pair<Int, Int> aligned(const Decimal& a, const Decimal& b, int& scale);

  Int unscaled_ = 0;  // the value is unscaled_ / 10^scale_
  int scale_ = 0;     // fraction digits, never negative
};

}  // namespace quiver::query
