#include "host/handler/request_check.h"

#include <fmt/format.h>

namespace exproto::host {

namespace pb = emqx::exproto::v1;
namespace caps = request_caps;

namespace {

std::string check_conn(const std::string& conn) {
  if (conn.empty()) return "conn: empty";
  if (conn.size() > caps::kConnIdBytes) {
    return fmt::format("conn: {} bytes, more than {}", conn.size(), caps::kConnIdBytes);
  }
  return {};
}

std::string check_size(const char* field, const std::string& value, std::size_t cap) {
  if (value.size() <= cap) return {};
  return fmt::format("{}: {} bytes, more than {}", field, value.size(), cap);
}

std::string check_address(const char* field, const pb::Address& a) {
  if (a.port() > 65535) return fmt::format("{}.port: {} is not a port", field, a.port());
  return check_size(field, a.host(), caps::kHostBytes);
}

}  // namespace

std::string check_request(const pb::SocketCreatedRequest& req) {
  if (auto p = check_conn(req.conn()); !p.empty()) return p;
  const pb::ConnInfo& info = req.conninfo();
  // proto3 enums are open: any int32 arrives, and the host routes by this value.
  if (!pb::SocketType_IsValid(info.socktype())) {
    return fmt::format("conninfo.socktype: {} is not a SocketType (0..3)", static_cast<int>(info.socktype()));
  }
  if (auto p = check_address("conninfo.peername", info.peername()); !p.empty()) return p;
  if (auto p = check_address("conninfo.sockname", info.sockname()); !p.empty()) return p;
  if (auto p = check_size("conninfo.peercert.cn", info.peercert().cn(), caps::kCertFieldBytes); !p.empty()) return p;
  return check_size("conninfo.peercert.dn", info.peercert().dn(), caps::kCertFieldBytes);
}

std::string check_request(const pb::ReceivedBytesRequest& req) { return check_conn(req.conn()); }

std::string check_request(const pb::ReceivedMessagesRequest& req) {
  if (auto p = check_conn(req.conn()); !p.empty()) return p;
  if (req.messages_size() > caps::kMessagesPerEvent) {
    return fmt::format("messages: {} in one request, more than {}", req.messages_size(), caps::kMessagesPerEvent);
  }
  for (int i = 0; i < req.messages_size(); ++i) {
    const pb::Message& m = req.messages(i);
    if (m.qos() > 2) return fmt::format("messages[{}].qos: {} is not 0, 1 or 2", i, m.qos());
    if (m.topic().size() > caps::kTopicBytes) {
      return fmt::format("messages[{}].topic: {} bytes, more than {}", i, m.topic().size(), caps::kTopicBytes);
    }
    for (const auto* field : {&m.node(), &m.id(), &m.from()}) {
      if (field->size() > caps::kMessageFieldBytes) {
        return fmt::format("messages[{}]: node, id or from of {} bytes, more than {}", i, field->size(),
                           caps::kMessageFieldBytes);
      }
    }
  }
  return {};
}

std::string check_request(const pb::TimerTimeoutRequest& req) {
  if (auto p = check_conn(req.conn()); !p.empty()) return p;
  // Only KEEPALIVE exists; a later kind read as a keepalive timeout would close the device.
  if (req.type() != pb::KEEPALIVE) return fmt::format("type: {} is not a TimerType (0)", static_cast<int>(req.type()));
  return {};
}

std::string check_request(const pb::SocketClosedRequest& req) { return check_conn(req.conn()); }

}  // namespace exproto::host
