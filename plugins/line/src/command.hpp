// The commands a person types, one per line, parsed into what the session acts on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace line {

struct ConnectCmd {
  std::string clientid;
  std::string username;
  std::string password;
};
struct SubCmd {
  std::string topic;
  std::uint32_t qos = 0;
};
struct UnsubCmd {
  std::string topic;
};
struct PubCmd {
  std::string topic;
  std::string payload;
};
struct PingCmd {};
struct QuitCmd {};
struct EmptyLine {};
/// A line that is not a valid command; `message` is what the person is told.
struct BadCommand {
  std::string message;
};

using Command = std::variant<ConnectCmd, SubCmd, UnsubCmd, PubCmd, PingCmd, QuitCmd, EmptyLine, BadCommand>;

/// Parses one line (no '\n'; '\r' already removed). Command words are case-insensitive; arguments
/// are separated by runs of spaces or tabs; PUB's payload is the rest of the line after the topic
/// and the blanks that follow it, kept byte for byte.
Command parse_command(std::string_view line, std::uint32_t default_qos);

}  // namespace line
