// What the simulated devices speak: the bytes that log a device in, the report frames that are
// measured, and how a handler's Send is read back (login answered? report acknowledged?).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace exproto::bench {

enum class ReplyKind { other, login_ack, report_ack };

struct DeviceReply {
  ReplyKind kind = ReplyKind::other;
  int code = 0;  // 0 = accepted; anything else is counted as a refusal
};

// Shared by every conn of a run and called from gRPC threads: implementations are immutable.
class DeviceProtocol {
 public:
  virtual ~DeviceProtocol() = default;

  // The codec the host must route the bench's listener to.
  virtual std::string_view codec() const = 0;
  // Bytes of the device's first OnReceivedBytes; the handler answers with one login_ack.
  virtual std::string login(std::size_t device) const = 0;
  // One measured uplink frame; the handler answers each with one report_ack, in order.
  virtual std::string report(std::size_t device, uint16_t serial) const = 0;
  // False when report() ignores `serial`, so a conn may reuse the bytes it built once.
  virtual bool report_changes_per_frame() const = 0;
  // nullopt: not a frame of this protocol (counted as nothing).
  virtual std::optional<DeviceReply> read_reply(std::string_view bytes) const = 0;
  // Over a byte stream (native mode's device sockets) replies arrive glued together or split:
  // the length of the first whole reply at the start of `stream`, bytes before it included (they
  // then fail read_reply and count as nothing); 0 while it is incomplete.
  virtual std::size_t reply_length(std::string_view stream) const = 0;
};

// "jsonframe" (payload_bytes sets the PUBLISH payload) or "jt808" (payload_bytes is ignored: a
// 2013 location report with mileage and signal items). nullptr for an unknown name.
std::unique_ptr<DeviceProtocol> make_device_protocol(std::string_view name, std::size_t payload_bytes);

}  // namespace exproto::bench
