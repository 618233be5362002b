// Registration and authentication as EMQX's gateway does them (notes §10), with EMQX's
// Authenticate as the real check:
//  - 0x0100 is answered at once with 0x8100 result 0 and the configured auth code ("anonymous",
//    EMQX's anonymous registry); the connection remembers the registered phone and code.
//  - 0x0102 calls Authenticate with the configured clientid/username/password (default: phone,
//    none, the auth code) and answers 0x8001 result 0 or 1 when EMQX decides. On success the down
//    topic is subscribed and keepalive started; on failure the terminal may try again.
#include "session.hpp"

#include "message_json.hpp"

namespace jt808 {
namespace {

std::string field(const Json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void Jt808Session::remember_terminal(const Header& h) {
  version_ = h.version;
  proto_ver_ = h.proto_ver;
  phone_ = h.phone;
}

void Jt808Session::on_register(const Header& h, const Json& body) {
  if (state_ != State::authenticated) remember_terminal(h);
  const auto code = config_.auth.auth_code.render([&](std::string_view name) {
    return name == "phone" ? h.phone : field(body, std::string(name).c_str());
  });
  registration_ = Registration{h.phone, code, uplink_payload(h, body)};
  send_platform(0x8100, Json{{"seq", h.msg_sn}, {"result", 0}, {"auth_code", code}});
}

void Jt808Session::on_authenticate(const Header& h, const Json& body) {
  const auto code = field(body, "code");
  if (state_ == State::authenticated) {
    // EMQX would not accept a second Authenticate; the identity of the connection is fixed, so a
    // repeated authentication of the same phone is simply confirmed.
    reply_general(h, h.phone == phone_ ? 0 : 1);
    return;
  }
  remember_terminal(h);
  if (registration_ && (registration_->phone != h.phone ||
                        (config_.auth.check_registered_code && registration_->auth_code != code))) {
    host().log(exproto::LogLevel::info, "authentication of " + h.phone + " refused: does not match the registration");
    reply_general(h, 1);
    return;
  }
  const auto vars = [&](std::string_view name) -> std::string {
    if (name == "phone") return h.phone;
    if (name == "code") return code;
    if (name == "proto_ver") return h.version == Version::v2019 ? "2019" : "2013";
    return field(body, std::string(name).c_str());  // imei, software_version (2019 only)
  };
  const auto clientid = config_.auth.clientid.render(vars);
  const auto username = config_.auth.username.render(vars);
  const auto password = config_.auth.password.render(vars);
  const exproto::ClientInfo info{"jt808", h.version == Version::v2019 ? "2019" : "2013", clientid, username, ""};
  const auto request = host().authenticate(info, password);
  if (request == 0) {
    warn("the host refused the Authenticate call; answering failure");
    reply_general(h, 1);
    return;
  }
  pending_auth_ = PendingAuth{request, h, uplink_payload(h, body)};
  clientid_ = clientid;
  state_ = State::authenticating;
}

void Jt808Session::on_auth_result(const exproto::CallResult& result) {
  const auto pending = std::move(*pending_auth_);
  pending_auth_.reset();
  if (!result.ok()) {
    state_ = State::connecting;
    host().log(exproto::LogLevel::info, "authentication of " + pending.header.phone + " denied by EMQX (code " +
                                            std::to_string(result.code) + "): " + std::string(result.message));
    reply_general(pending.header, 1);
    return;
  }
  state_ = State::authenticated;
  const auto vars = [this](std::string_view name) { return name == "clientid" ? clientid_ : phone_; };
  up_topic_ = config_.up_topic.render(vars);
  dn_topic_ = config_.dn_topic.render(vars);
  reply_general(pending.header, 0);
  host().subscribe(dn_topic_, config_.dn_qos);
  if (config_.keepalive_s > 0) host().start_keepalive(config_.keepalive_s);
  host().log(exproto::LogLevel::info, "terminal " + phone_ + " authenticated as " + clientid_);
  if (config_.publish_control_messages) {
    if (registration_ && registration_->phone == phone_) host().publish(up_topic_, config_.up_qos, registration_->payload);
    host().publish(up_topic_, config_.up_qos, pending.payload);
  }
}

}  // namespace jt808
