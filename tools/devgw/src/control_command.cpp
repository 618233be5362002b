#include "control_command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace exproto::devgw {

namespace {

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_eol(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  return line;
}

constexpr std::string_view kExpected =
    "expected PUB <topic> <payload>, DELAY <ms>, STALL, RESUME, LOSE_CLOSED on|off or STATS";

}  // namespace

std::expected<PublishCommand, std::string> parse_publish_command(std::string_view line) {
  line = trim_eol(line);
  const auto space = line.find(' ');
  if (!same_word(line.substr(0, space), "PUB")) return std::unexpected("unknown command (expected: PUB <topic> <payload>)");
  if (space == std::string_view::npos) return std::unexpected("missing topic (expected: PUB <topic> <payload>)");
  auto rest = line.substr(space + 1);
  const auto topic_end = rest.find(' ');
  PublishCommand command{std::string(rest.substr(0, topic_end)), ""};
  if (topic_end != std::string_view::npos) command.payload = std::string(rest.substr(topic_end + 1));
  if (command.topic.empty()) return std::unexpected("missing topic (expected: PUB <topic> <payload>)");
  if (command.topic.find_first_of("+#") != std::string::npos)
    return std::unexpected("topic must not contain wildcards");
  return command;
}

std::expected<ControlCommand, std::string> parse_control_command(std::string_view line) {
  line = trim_eol(line);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  const auto space = line.find(' ');
  const auto keyword = line.substr(0, space);
  auto argument = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  while (!argument.empty() && argument.back() == ' ') argument.remove_suffix(1);

  if (same_word(keyword, "PUB")) {
    auto publish = parse_publish_command(line);
    if (!publish) return std::unexpected(publish.error());
    return *publish;
  }
  if (same_word(keyword, "DELAY")) {
    long long ms = -1;
    const auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), ms);
    if (argument.empty() || ec != std::errc{} || end != argument.data() + argument.size() || ms < 0 ||
        ms > 3'600'000)
      return std::unexpected("DELAY needs milliseconds 0..3600000");
    return DelayCommand{std::chrono::milliseconds(ms)};
  }
  if (same_word(keyword, "STALL") && argument.empty()) return StallCommand{true};
  if (same_word(keyword, "RESUME") && argument.empty()) return StallCommand{false};
  if (same_word(keyword, "LOSE_CLOSED")) {
    if (same_word(argument, "on")) return LoseClosedCommand{true};
    if (same_word(argument, "off")) return LoseClosedCommand{false};
    return std::unexpected("LOSE_CLOSED needs on or off");
  }
  if (same_word(keyword, "STATS") && argument.empty()) return StatsCommand{};
  return std::unexpected("unknown command (" + std::string(kExpected) + ")");
}

std::string format_stats(const GatewayStats& stats) {
  const auto& a = stats.adapter;
  std::string out = "OK live=" + std::to_string(stats.live) + " held=" + std::to_string(a.held()) +
                    " delay_ms=" + std::to_string(stats.delay.count()) + " stalled=" + (stats.stalled ? "1" : "0") +
                    " lose_closed=" + (stats.lose_socket_closed ? "1" : "0") +
                    " zero_length_sends=" + std::to_string(a.zero_length_sends) +
                    " cancelled=" + std::to_string(a.cancelled) + " abandoned=" + std::to_string(a.abandoned);
  for (const auto& [method, n] : a.received) out += " received." + method + "=" + std::to_string(n);
  for (const auto& [method, n] : a.answered) out += " answered." + method + "=" + std::to_string(n);
  return out;
}

}  // namespace exproto::devgw
