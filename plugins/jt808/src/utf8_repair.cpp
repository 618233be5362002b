#include "utf8_repair.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace jt808 {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
bool surrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

// Length of the sequence a lead byte announces by its bit pattern alone (0: not a lead byte).
std::size_t pattern_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 0;
}

// The value of an n-byte pattern whose continuation bytes have been checked.
char32_t pattern_value(const unsigned char* p, std::size_t n) {
  static constexpr unsigned char kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t v = p[0] & kLeadBits[n];
  for (std::size_t i = 1; i < n; ++i) v = (v << 6) | (p[i] & 0x3F);
  return v;
}

// Whether the n bytes at `at` form an n-byte pattern (lead bits and continuation bytes only).
bool has_pattern(std::string_view s, std::size_t at, std::size_t n) {
  if (n == 0 || s.size() - at < n) return false;
  for (std::size_t i = 1; i < n; ++i) {
    if (!continuation(static_cast<unsigned char>(s[at + i]))) return false;
  }
  return true;
}

void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// A value the encoder may write as is: a Unicode scalar value other than the non-characters
// U+FFFE and U+FFFF, which EMQX's repair also replaces.
bool writable(char32_t c) { return c <= 0x10FFFF && !surrogate(c) && c != 0xFFFE && c != 0xFFFF; }

}  // namespace

bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto n = pattern_length(c);
    if (!has_pattern(s, i, n)) return false;
    const auto v = pattern_value(reinterpret_cast<const unsigned char*>(s.data()) + i, n);
    static constexpr char32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < kShortest[n] || surrogate(v) || v > 0x10FFFF) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  // Pass 1: loose decoding into values, a bad byte and its trailing continuation bytes as one
  // replacement.
  std::vector<char32_t> values;
  values.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto n = pattern_length(static_cast<unsigned char>(s[i]));
    if (has_pattern(s, i, n)) {
      values.push_back(pattern_value(reinterpret_cast<const unsigned char*>(s.data()) + i, n));
      i += n;
      continue;
    }
    values.push_back(kReplacement);
    ++i;
    while (i < s.size() && continuation(static_cast<unsigned char>(s[i]))) ++i;
  }
  // Pass 2: adjacent surrogates are taken as a pair; only a high one followed by a low one makes
  // a character, any other pair is left to pass 3 (both halves, not re-paired with what follows).
  std::string out;
  out.reserve(s.size() + 2);
  for (std::size_t k = 0; k < values.size(); ++k) {
    auto c = values[k];
    if (surrogate(c) && k + 1 < values.size() && surrogate(values[k + 1])) {
      const auto low = values[k + 1];
      ++k;
      if (c < 0xDC00 && low >= 0xDC00) {
        put_utf8(out, 0x10000 + ((c & 0x3FF) << 10) + (low & 0x3FF));
        continue;
      }
      put_utf8(out, kReplacement);
      c = low;
    }
    // Pass 3: what is still not a writable character.
    put_utf8(out, writable(c) ? c : kReplacement);
  }
  return out;
}

}  // namespace jt808
