#include "jiffy_text.hpp"

#include <cstdint>
#include <vector>

namespace jsonframe {
namespace {

constexpr std::uint32_t kReplacement = 0xFFFD;

bool continuation(unsigned char b) { return (b & 0xC0) == 0x80; }
bool surrogate(std::uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

// Length of the valid sequence at s[i], or 0 when jiffy's utf8_validate would refuse it.
std::size_t valid_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
  } else {
    return 0;
  }
  if (len > s.size() - i) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if (!continuation(static_cast<unsigned char>(s[i + k]))) return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  // Overlong forms: the leading payload bits must not all be zero.
  if (len == 2 && (b0 & 0x1E) == 0) return 0;
  if (len == 3 && (b0 & 0x0F) + (b1 & 0x20) == 0) return 0;
  if (len == 4 && (b0 & 0x07) + (b1 & 0x30) == 0) return 0;
  if (len >= 3) {
    std::uint32_t cp = len == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    if (surrogate(cp) || cp > 0x10FFFF) return 0;
  }
  return len;
}

// jiffy_utf8:loose_decode — any lead byte with enough continuation bytes decodes, even overlong.
std::vector<std::uint32_t> loose_decode(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto conts = [&](std::size_t from, std::size_t n) {
    if (n > s.size() - from) return false;
    for (std::size_t k = from; k < from + n; ++k) {
      if (!continuation(at(k))) return false;
    }
    return true;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = at(i);
    if (b0 < 0x80) {
      out.push_back(b0);
      i += 1;
    } else if ((b0 >> 5) == 0x6 && conts(i + 1, 1)) {
      out.push_back(((b0 & 0x1Fu) << 6) | (at(i + 1) & 0x3Fu));
      i += 2;
    } else if ((b0 >> 4) == 0xE && conts(i + 1, 2)) {
      out.push_back(((b0 & 0x0Fu) << 12) | ((at(i + 1) & 0x3Fu) << 6) | (at(i + 2) & 0x3Fu));
      i += 3;
    } else if ((b0 >> 3) == 0x1E && conts(i + 1, 3)) {
      out.push_back(((b0 & 0x07u) << 18) | ((at(i + 1) & 0x3Fu) << 12) | ((at(i + 2) & 0x3Fu) << 6) |
                    (at(i + 3) & 0x3Fu));
      i += 4;
    } else {
      std::size_t skip = 1;
      while (i + skip < s.size() && continuation(at(i + skip))) ++skip;
      out.push_back(kReplacement);
      i += skip;
    }
  }
  return out;
}

// jiffy_utf8:try_combining — looks at code points two at a time, left to right.
std::vector<std::uint32_t> combine_pairs(const std::vector<std::uint32_t>& in) {
  std::vector<std::uint32_t> out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (i + 1 < in.size() && surrogate(in[i]) && surrogate(in[i + 1])) {
      const auto hi = in[i];
      const auto lo = in[i + 1];
      if (hi < 0xDC00 && lo >= 0xDC00) {
        out.push_back(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
      } else {
        out.push_back(hi);
        out.push_back(lo);
      }
      i += 2;
    } else {
      out.push_back(in[i]);
      i += 1;
    }
  }
  return out;
}

// xmerl_ucs:is_unicode.
bool is_unicode(std::uint32_t cp) {
  return cp < 0xD800 || (cp > 0xDFFF && cp < 0xFFFE) || (cp > 0xFFFF && cp <= 0x10FFFF);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool jiffy_accepts(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const auto len = valid_sequence(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string jiffy_fix_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const auto cp : combine_pairs(loose_decode(s))) append_utf8(out, is_unicode(cp) ? cp : kReplacement);
  return out;
}

void append_jiffy_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

}  // namespace jsonframe
