// Topic and identity templates with ${name} placeholders, checked against the allowed names when
// the config is read so that a typo refuses the codec instead of producing odd topics.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace jt808 {

class Template {
 public:
  Template() = default;
  /// Unchecked; used for built-in defaults.
  explicit Template(std::string text) : text_(std::move(text)) {}

  /// Returns an error message, or an empty string when every ${name} is allowed and closed.
  static std::string check(std::string_view text, std::initializer_list<std::string_view> allowed);

  /// Replaces each ${name} by lookup(name).
  std::string render(const std::function<std::string(std::string_view)>& lookup) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace jt808
