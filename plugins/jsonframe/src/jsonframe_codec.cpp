// The jsonframe codec instance: holds the validated route config and opens sessions.
#include "config.hpp"
#include "jsonframe_session.hpp"

#include <exproto/codec.hpp>

#include <memory>

namespace jsonframe {

class JsonFrameCodec final : public exproto::Codec {
 public:
  JsonFrameCodec(exproto::CodecContext context, std::string_view config_json)
      : config_(parse_config(config_json)) {
    context.log(exproto::LogLevel::info,
                "jsonframe ready (max_frame_bytes=" + std::to_string(config_.max_frame_bytes) + ")");
  }

  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view /*conn*/,
                                         const exproto::ConnInfo& info) override {
    return std::make_unique<JsonFrameSession>(host, config_, is_datagram(info));
  }

  // Hot reload: continues a session an earlier generation exported (session_migration.cpp).
  std::unique_ptr<exproto::Session> import_session(exproto::SessionHost host, std::string_view /*conn*/,
                                                   const exproto::ConnInfo& info, std::string_view state) {
    return JsonFrameSession::import(host, config_, is_datagram(info), state);
  }

 private:
  static bool is_datagram(const exproto::ConnInfo& info) {
    return info.socktype == exproto::SocketType::udp || info.socktype == exproto::SocketType::dtls;
  }

  const Config config_;
};

}  // namespace jsonframe

EXPROTO_CODEC(jsonframe::JsonFrameCodec, "jsonframe", "1.1.0", "exproto-host")
