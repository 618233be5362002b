#include "template.hpp"

#include <algorithm>

namespace jt808 {

std::string Template::check(std::string_view text, std::initializer_list<std::string_view> allowed) {
  std::size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    const auto end = text.find('}', pos);
    if (end == std::string_view::npos) return "unclosed \"${\"";
    const auto name = text.substr(pos + 2, end - pos - 2);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string known;
      for (const auto a : allowed) known += (known.empty() ? "" : ", ") + ("${" + std::string(a) + "}");
      return "unknown placeholder \"${" + std::string(name) + "}\" (known: " + known + ")";
    }
    pos = end + 1;
  }
  return {};
}

std::string Template::render(const std::function<std::string(std::string_view)>& lookup) const {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto start = text_.find("${", pos);
    const auto end = start == std::string::npos ? std::string::npos : text_.find('}', start);
    if (end == std::string::npos) {
      out.append(text_, pos);
      return out;
    }
    out.append(text_, pos, start - pos);
    out += lookup(std::string_view(text_).substr(start + 2, end - start - 2));
    pos = end + 1;
  }
}

}  // namespace jt808
