// jsonframe devices: CONNECT, then PUBLISH frames answered by PUBACK (the ExProto demo protocol).
#include "jsonframe_devices.h"

#include "reply_frame.h"

namespace exproto::bench {
namespace {

constexpr int kConnack = 2;
constexpr int kPuback = 4;

class JsonframeDevices final : public DeviceProtocol {
 public:
  explicit JsonframeDevices(std::size_t payload_bytes) : payload_bytes_(payload_bytes) {}

  std::string_view codec() const override { return "jsonframe"; }

  std::string login(std::size_t device) const override {
    return R"({"type":1,"password":"p","clientinfo":{"proto_ver":"v0.1","proto_name":"demo","clientid":"bench-)" +
           std::to_string(device) + R"("}})";
  }

  std::string report(std::size_t device, uint16_t /*serial*/) const override {
    return R"({"type":3,"topic":"t/)" + std::to_string(device) + R"(","qos":0,"payload":")" +
           std::string(payload_bytes_, 'x') + R"("})";
  }

  bool report_changes_per_frame() const override { return false; }

  std::optional<DeviceReply> read_reply(std::string_view bytes) const override {
    auto frame = scan_reply_frame(bytes);
    if (!frame) return std::nullopt;
    ReplyKind kind = frame->type == kConnack  ? ReplyKind::login_ack
                     : frame->type == kPuback ? ReplyKind::report_ack
                                              : ReplyKind::other;
    return DeviceReply{kind, frame->code};
  }

  // A top-level JSON object, braces inside strings skipped; anything before its '{' goes with it.
  std::size_t reply_length(std::string_view stream) const override {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (std::size_t i = 0; i < stream.size(); ++i) {
      const char c = stream[i];
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = depth > 0;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && depth > 0 && --depth == 0) {
        return i + 1;
      }
    }
    return 0;
  }

 private:
  std::size_t payload_bytes_;
};

}  // namespace

std::unique_ptr<DeviceProtocol> make_jsonframe_devices(std::size_t payload_bytes) {
  return std::make_unique<JsonframeDevices>(payload_bytes);
}

}  // namespace exproto::bench
