#include "devgw/records.hpp"

namespace exproto::devgw {

std::string_view method_name(EventKind kind) {
  switch (kind) {
    case EventKind::socket_created: return "OnSocketCreated";
    case EventKind::received_bytes: return "OnReceivedBytes";
    case EventKind::received_messages: return "OnReceivedMessages";
    case EventKind::timer_timeout: return "OnTimerTimeout";
    case EventKind::socket_closed: return "OnSocketClosed";
  }
  return "?";
}

std::string_view callback_atom(EventKind kind) {
  switch (kind) {
    case EventKind::socket_created: return "on_socket_created";
    case EventKind::received_bytes: return "on_received_bytes";
    case EventKind::received_messages: return "on_received_messages";
    case EventKind::timer_timeout: return "on_timer_timeout";
    case EventKind::socket_closed: return "on_socket_closed";
  }
  return "?";
}

}  // namespace exproto::devgw
