#include "command.hpp"

#include <vector>

namespace line {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits off the next word; `rest` starts after the blanks that follow it.
std::string_view take_word(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && !blank(rest[i])) ++i;
  const auto word = rest.substr(0, i);
  while (i < rest.size() && blank(rest[i])) ++i;
  rest.remove_prefix(i);
  return word;
}

std::vector<std::string_view> words(std::string_view rest) {
  std::vector<std::string_view> out;
  while (!rest.empty()) out.push_back(take_word(rest));
  return out;
}

bool is(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i] >= 'a' && word[i] <= 'z' ? static_cast<char>(word[i] - 'a' + 'A') : word[i];
    if (c != upper[i]) return false;
  }
  return true;
}

BadCommand usage(std::string_view text) { return BadCommand{"usage: " + std::string(text)}; }

}  // namespace

Command parse_command(std::string_view text, std::uint32_t default_qos) {
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return EmptyLine{};
  std::string_view rest = text;
  const auto verb = take_word(rest);

  if (is(verb, "CONNECT")) {
    const auto args = words(rest);
    if (args.empty() || args.size() > 3) return usage("CONNECT <clientid> [<username> [<password>]]");
    ConnectCmd c{std::string(args[0]), {}, {}};
    if (args.size() > 1) c.username = std::string(args[1]);
    if (args.size() > 2) c.password = std::string(args[2]);
    return c;
  }
  if (is(verb, "SUB")) {
    const auto args = words(rest);
    if (args.empty() || args.size() > 2) return usage("SUB <topic> [<qos>]");
    SubCmd c{std::string(args[0]), default_qos};
    if (args.size() == 2) {
      if (args[1].size() != 1 || args[1][0] < '0' || args[1][0] > '2') {
        return BadCommand{"qos must be 0, 1 or 2, got \"" + std::string(args[1]) + "\""};
      }
      c.qos = static_cast<std::uint32_t>(args[1][0] - '0');
    }
    return c;
  }
  if (is(verb, "UNSUB")) {
    const auto args = words(rest);
    if (args.size() != 1) return usage("UNSUB <topic>");
    return UnsubCmd{std::string(args[0])};
  }
  if (is(verb, "PUB")) {
    const auto topic = take_word(rest);
    if (topic.empty()) return usage("PUB <topic> <payload...>");
    return PubCmd{std::string(topic), std::string(rest)};
  }
  if (is(verb, "PING")) {
    if (!rest.empty()) return usage("PING");
    return PingCmd{};
  }
  if (is(verb, "QUIT")) {
    if (!rest.empty()) return usage("QUIT");
    return QuitCmd{};
  }
  return BadCommand{"unknown command \"" + std::string(verb.substr(0, 32)) +
                    "\" (commands: CONNECT, SUB, UNSUB, PUB, PING, QUIT)"};
}

}  // namespace line
