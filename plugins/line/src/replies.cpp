#include "replies.hpp"

#include <exproto/codec_abi.h>

namespace line {
namespace {

void append_printable(std::string& out, std::string_view text) {
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(b < 0x20 || b == 0x7F ? '?' : c);
  }
}

void append_one_line(std::string& out, std::string_view text) {
  for (const char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
}

std::string_view meaning(std::int32_t code) {
  switch (code) {
    case EXPROTO_RESULT_UNKNOWN: return "failed";
    case EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE: return "connection gone";
    case EXPROTO_RESULT_REQUIRED_PARAMS_MISSED: return "required parameters missing";
    case EXPROTO_RESULT_PARAMS_TYPE_ERROR: return "bad parameters";
    case EXPROTO_RESULT_PERMISSION_DENY: return "not authorized";
    case EXPROTO_RESULT_HOST_UNAVAILABLE: return "broker unavailable";
    case EXPROTO_RESULT_HOST_DEADLINE: return "broker did not answer in time";
    default: return "error";
  }
}

}  // namespace

std::string ok_line() { return "OK\n"; }
std::string pong_line() { return "PONG\n"; }

std::string error_line(int code, std::string_view message) {
  std::string out = "ERROR " + std::to_string(code) + " ";
  append_printable(out, message);
  out.push_back('\n');
  return out;
}

std::string result_error_line(std::int32_t code, std::string_view emqx_message) {
  std::string message(meaning(code));
  if (!emqx_message.empty()) {
    message += ": ";
    message += emqx_message;
  }
  return error_line(code, message);
}

std::string msg_line(std::string_view topic, std::string_view payload) {
  std::string out = "MSG ";
  out.reserve(topic.size() + payload.size() + 7);
  append_one_line(out, topic);
  out.push_back(' ');
  append_one_line(out, payload);
  out.push_back('\n');
  return out;
}

}  // namespace line
