#include "devgw/topic.hpp"

namespace exproto::devgw {
namespace {

// Splits off the first level of `rest`; returns false once nothing is left.
bool next_level(std::string_view& rest, bool& done, std::string_view& level) {
  if (done) return false;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    level = rest;
    done = true;
  } else {
    level = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace

bool topic_matches(std::string_view filter, std::string_view name) {
  if (filter.empty() || name.empty()) return false;
  // $SYS-style topics are invisible to a leading wildcard (MQTT 5 §4.7.2, EMQX emqx_topic).
  if (name.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;

  std::string_view f_rest = filter, n_rest = name, f_level, n_level;
  bool f_done = false, n_done = false;
  while (next_level(f_rest, f_done, f_level)) {
    if (f_level == "#") return f_done;  // '#' must be last; it also matches the parent level
    if (!next_level(n_rest, n_done, n_level)) return false;
    if (f_level != "+" && f_level != n_level) return false;
  }
  return n_done;
}

bool valid_topic_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > 65535) return false;
  std::string_view rest = filter, level;
  bool done = false;
  while (next_level(rest, done, level)) {
    if (level == "#") {
      if (!done) return false;
    } else if (level != "+" && level.find_first_of("+#") != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace exproto::devgw
