#include "gbk.hpp"

#include <iconv.h>

#include <cerrno>
#include <stdexcept>

namespace jt808 {
namespace {
const iconv_t kInvalid = reinterpret_cast<iconv_t>(-1);
}

Iconv::Iconv(const char* to, const char* from) {
  const auto cd = iconv_open(to, from);
  if (cd == kInvalid) throw std::runtime_error(std::string("iconv cannot convert ") + from + " to " + to);
  cd_.reset(cd);
}

void Iconv::Close::operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }

Iconv::Result Iconv::convert(std::string_view in, std::string_view replacement) {
  const auto cd = static_cast<iconv_t>(cd_.get());
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // a previous call may have stopped mid-sequence
  Result r;
  // iconv's interface is not const-correct; it only reads the input.
  auto* src = const_cast<char*>(in.data());
  std::size_t src_left = in.size();
  char buf[256];
  while (src_left > 0) {
    char* dst = buf;
    std::size_t dst_left = sizeof buf;
    const auto n = iconv(cd, &src, &src_left, &dst, &dst_left);
    r.out.append(buf, static_cast<std::size_t>(dst - buf));
    if (n != static_cast<std::size_t>(-1) || errno == E2BIG) continue;
    // EILSEQ (invalid or unconvertible) or EINVAL (cut short at the end): skip one byte and go on,
    // so one bad byte costs one replacement, not the rest of the string.
    ++r.bad;
    r.out.append(replacement);
    ++src;
    --src_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  // Flush any shift state (none for GBK/UTF-8, but cheap and correct).
  char* dst = buf;
  std::size_t dst_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  r.out.append(buf, static_cast<std::size_t>(dst - buf));
  return r;
}

GbkText::GbkText() : up_("UTF-8", "GBK"), down_("GBK", "UTF-8") {}

std::string GbkText::to_utf8(std::span<const std::uint8_t> gbk) {
  auto r = up_.convert(std::string_view(reinterpret_cast<const char*>(gbk.data()), gbk.size()), "\xef\xbf\xbd");
  replaced_ += r.bad;
  return std::move(r.out);
}

bool GbkText::to_gbk(std::string_view utf8, std::string& out) {
  auto r = down_.convert(utf8, {});
  if (r.bad != 0) {
    ++refused_;
    return false;
  }
  out = std::move(r.out);
  return true;
}

bool gbk_available() {
  try {
    GbkText probe;
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace jt808
