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
    const bool datagrams = info.socktype == exproto::SocketType::udp || info.socktype == exproto::SocketType::dtls;
    return std::make_unique<JsonFrameSession>(host, config_, datagrams);
  }

 private:
  const Config config_;
};

}  // namespace jsonframe

EXPROTO_CODEC(jsonframe::JsonFrameCodec, "jsonframe", "1.0.0", "exproto-host")
