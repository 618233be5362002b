#include "baseline_session.h"

#include <nlohmann/json.hpp>

namespace exproto::bench::baseline {
namespace {

constexpr int kConnect = 1, kConnack = 2, kPublish = 3, kPuback = 4, kDisconnect = 9;

std::string reply(int type, bool ok) {
  return R"({"type":)" + std::to_string(type) + R"(,"code":)" + (ok ? "0" : "1") + "}";
}

std::string string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Session::Session(std::string conn, v1::ConnectionAdapter::Stub& adapter)
    : conn_(std::move(conn)), adapter_(adapter) {}

bool Session::on_bytes(std::string_view bytes) {
  auto frame = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (!frame.is_object() || !frame.contains("type") || !frame["type"].is_number_integer()) return false;
  switch (frame["type"].get<int>()) {
    case kConnect: {
      auto info = frame.find("clientinfo");
      if (info == frame.end() || !info->is_object()) return false;
      Authenticate auth;
      auth.clientinfo.set_proto_name(string_member(*info, "proto_name"));
      auth.clientinfo.set_proto_ver(string_member(*info, "proto_ver"));
      auth.clientinfo.set_clientid(string_member(*info, "clientid"));
      auth.clientinfo.set_username(string_member(*info, "username"));
      auth.password = string_member(frame, "password");
      enqueue(std::move(auth));
      return true;
    }
    case kPublish: {
      auto qos = frame.find("qos");
      if (!frame.contains("topic") || qos == frame.end() || !qos->is_number_unsigned()) return false;
      enqueue(Publish{string_member(frame, "topic"), qos->get<uint32_t>(), string_member(frame, "payload")});
      return true;
    }
    case kDisconnect:
      enqueue(Close{});
      return true;
    default:
      return false;
  }
}

void Session::on_keepalive_timeout() {
  enqueue(Send{R"({"type":9})"});
  enqueue(Close{});
}

void Session::on_message(const v1::Message& m) {
  nlohmann::json frame = {{"type", kPublish}, {"topic", m.topic()}, {"qos", m.qos()}, {"payload", m.payload()}};
  enqueue(Send{frame.dump()});
}

void Session::enqueue(Step step) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(step));
  }
  pump();
}

void Session::pump() {
  Step step;
  {
    std::lock_guard lock(mu_);
    if (busy_ || queue_.empty()) return;
    busy_ = true;
    step = std::move(queue_.front());
    queue_.pop_front();
    ctx_ = std::make_unique<grpc::ClientContext>();
  }
  issue(step);
}

void Session::issue(Step& step) {
  // the callback keeps the session alive even if OnSocketClosed removed it meanwhile
  auto done = [self = shared_from_this()](grpc::Status status) { self->on_done(status); };
  auto* async = adapter_.async();
  if (auto* a = std::get_if<Authenticate>(&step)) {
    current_ = Kind::authenticate;
    auth_req_.set_conn(conn_);
    *auth_req_.mutable_clientinfo() = std::move(a->clientinfo);
    auth_req_.set_password(std::move(a->password));
    async->Authenticate(ctx_.get(), &auth_req_, &response_, done);
  } else if (auto* p = std::get_if<Publish>(&step)) {
    current_ = Kind::publish;
    publish_req_.set_conn(conn_);
    publish_req_.set_topic(std::move(p->topic));
    publish_req_.set_qos(p->qos);
    publish_req_.set_payload(std::move(p->payload));
    async->Publish(ctx_.get(), &publish_req_, &response_, done);
  } else if (auto* s = std::get_if<Send>(&step)) {
    current_ = Kind::send;
    send_req_.set_conn(conn_);
    send_req_.set_bytes(std::move(s->bytes));
    async->Send(ctx_.get(), &send_req_, &response_, done);
  } else {
    current_ = Kind::close;
    close_req_.set_conn(conn_);
    async->Close(ctx_.get(), &close_req_, &response_, done);
  }
}

void Session::on_done(const grpc::Status& status) {
  bool ok = status.ok() && response_.code() == v1::SUCCESS;
  {
    std::lock_guard lock(mu_);
    busy_ = false;
    // the device's answer depends on EMQX's, so it goes first, ahead of frames that came later
    if (current_ == Kind::authenticate) {
      if (!ok) queue_.push_front(Close{});
      queue_.push_front(Send{reply(kConnack, ok)});
    } else if (current_ == Kind::publish) {
      queue_.push_front(Send{reply(kPuback, ok)});
    }
  }
  pump();
}

}  // namespace exproto::bench::baseline
