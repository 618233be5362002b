#include "host/adapter/adapter_client.h"

#include <grpcpp/grpcpp.h>

#include <functional>

#include "exproto.grpc.pb.h"
#include "host/adapter/channel_credentials.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

struct AdapterClient::Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::ConnectionAdapter::Stub> stub;
};

// One call's gRPC objects; they must live until the callback ran.
struct AdapterClient::Pending {
  grpc::ClientContext ctx;
  pb::CodeResponse resp;
  pb::SendBytesRequest send;
  pb::CloseSocketRequest close;
  pb::AuthenticateRequest auth;
  pb::TimerRequest timer;
  pb::PublishRequest publish;
  pb::RawPublishRequest raw_publish;
  pb::SubscribeRequest subscribe;
  pb::UnsubscribeRequest unsubscribe;
};

AdapterClient::AdapterClient(const AdapterConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials)
    : config_(config) {
  const uint32_t n = std::max<uint32_t>(1, config.channels);
  for (uint32_t i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    // Separate subchannel pools make each channel its own HTTP/2 connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("exproto.channel_index", static_cast<int>(i));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    args.SetMaxReceiveMessageSize(-1);
    apply_server_name(config, args);
    auto ch = grpc::CreateCustomChannel(config.address, credentials, args);
    auto stub = pb::ConnectionAdapter::NewStub(ch);
    channels_.push_back(std::make_unique<Channel>(Channel{std::move(ch), std::move(stub)}));
  }
}

AdapterClient::~AdapterClient() { shutdown(); }

void AdapterClient::track(const std::shared_ptr<Pending>& p) {
  std::lock_guard lk(mu_);
  ++in_flight_;
  if (pending_.size() > 4096 && pending_.size() > 2 * in_flight_) {
    std::erase_if(pending_, [](const auto& w) { return w.expired(); });
  }
  pending_.push_back(p);
}

void AdapterClient::untrack() {
  std::lock_guard lk(mu_);
  if (--in_flight_ == 0) idle_.notify_all();
}

void AdapterClient::shutdown() {
  stopping_ = true;
  std::unique_lock lk(mu_);
  for (auto& w : pending_)
    if (auto p = w.lock()) p->ctx.TryCancel();
  idle_.wait(lk, [this] { return in_flight_ == 0; });
  pending_.clear();
}

namespace {
UpstreamResult to_result(const grpc::Status& s, const pb::CodeResponse& resp) {
  if (s.ok()) return UpstreamResult{static_cast<int32_t>(resp.code()), resp.message()};
  const int32_t code = s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? EXPROTO_RESULT_HOST_DEADLINE
                                                                             : EXPROTO_RESULT_HOST_UNAVAILABLE;
  return UpstreamResult{code, "gRPC status " + std::to_string(s.error_code()) + ": " + s.error_message()};
}
}  // namespace

void AdapterClient::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  if (stopping_) {
    done(UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE, "exproto-host is shutting down"});
    return;
  }
  auto p = std::make_shared<Pending>();
  p->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(config_.timeout_ms));
  const std::size_t idx = channels_.size() == 1 ? 0 : std::hash<std::string>{}(c.conn) % channels_.size();
  auto* api = channels_[idx]->stub->async();
  track(p);
  Pending* call = p.get();
  // The callback owns `p` (and so the request/response) until gRPC is done with them.
  auto finish = [this, p = std::move(p), done = std::move(done)](grpc::Status s) mutable {
    done(to_result(s, p->resp));
    // Freed here, before untrack() lets shutdown() drop the channels: a ClientContext that outlives
    // them would release the last channel reference on a gRPC thread, which gRPC 1.51 aborts on.
    p.reset();
    untrack();
  };
  switch (c.kind) {
    case EXPROTO_CALL_SEND:
      call->send.set_conn(std::move(c.conn));
      call->send.set_bytes(std::move(c.data));
      api->Send(&call->ctx, &call->send, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_CLOSE:
      call->close.set_conn(std::move(c.conn));
      api->Close(&call->ctx, &call->close, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_AUTHENTICATE: {
      call->auth.set_conn(std::move(c.conn));
      auto* ci = call->auth.mutable_clientinfo();  // always present: EMQX crashes on a missing clientinfo
      ci->set_proto_name(std::move(c.clientinfo.proto_name));
      ci->set_proto_ver(std::move(c.clientinfo.proto_ver));
      ci->set_clientid(std::move(c.clientinfo.clientid));
      ci->set_username(std::move(c.clientinfo.username));
      ci->set_mountpoint(std::move(c.clientinfo.mountpoint));
      call->auth.set_password(std::move(c.data));
      api->Authenticate(&call->ctx, &call->auth, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_START_KEEPALIVE:
      call->timer.set_conn(std::move(c.conn));
      call->timer.set_type(pb::KEEPALIVE);
      call->timer.set_interval(c.interval_s);
      api->StartTimer(&call->ctx, &call->timer, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_PUBLISH:
      call->publish.set_conn(std::move(c.conn));
      call->publish.set_topic(std::move(c.topic));
      call->publish.set_qos(c.qos);
      call->publish.set_payload(std::move(c.data));
      api->Publish(&call->ctx, &call->publish, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_RAW_PUBLISH:
      call->raw_publish.set_topic(std::move(c.topic));
      call->raw_publish.set_qos(c.qos);
      call->raw_publish.set_payload(std::move(c.data));
      api->RawPublish(&call->ctx, &call->raw_publish, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_SUBSCRIBE:
      call->subscribe.set_conn(std::move(c.conn));
      call->subscribe.set_topic(std::move(c.topic));
      call->subscribe.set_qos(c.qos);
      api->Subscribe(&call->ctx, &call->subscribe, &call->resp, std::move(finish));
      return;
    case EXPROTO_CALL_UNSUBSCRIBE:
      call->unsubscribe.set_conn(std::move(c.conn));
      call->unsubscribe.set_topic(std::move(c.topic));
      api->Unsubscribe(&call->ctx, &call->unsubscribe, &call->resp, std::move(finish));
      return;
  }
  finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown call kind"));
}

}  // namespace exproto::host
