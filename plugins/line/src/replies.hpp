// The lines the codec writes back to the terminal. Every reply is exactly one '\n'-terminated
// line, so anything that could break a line (CR, LF, other control bytes) is neutralised here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace line {

// Codec-side error codes, chosen outside EMQX's result codes (0..5) and the host's (100, 101)
// and shaped like HTTP statuses so a person recognises them.
inline constexpr int kBadCommand = 400;
inline constexpr int kNotConnected = 401;
inline constexpr int kAlreadyConnected = 409;
inline constexpr int kTooLong = 413;
inline constexpr int kRefused = 503;  // the host refused the call (busy or closing)

std::string ok_line();
std::string pong_line();
/// "ERROR <code> <message>\n"; control bytes in `message` become '?'.
std::string error_line(int code, std::string_view message);
/// The ERROR line for a failed adapter call: "<what the code means>[: <EMQX's message>]".
std::string result_error_line(std::int32_t code, std::string_view emqx_message);
/// "MSG <topic> <payload>\n"; CR and LF inside topic or payload become spaces.
std::string msg_line(std::string_view topic, std::string_view payload);

}  // namespace line
