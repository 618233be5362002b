#include "test_handler.hpp"

#include "exproto.grpc.pb.h"

#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace devgw_test {

namespace pb = emqx::exproto::v1;

namespace {

Reply to_reply(const grpc::Status& status, const pb::CodeResponse& response) {
  if (!status.ok()) return {status.error_code(), 0, status.error_message()};
  return {0, static_cast<int>(response.code()), response.message()};
}

std::unique_ptr<grpc::ClientContext> deadline_ctx(std::chrono::milliseconds deadline = std::chrono::seconds(3)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

}  // namespace

struct TestHandler::Impl {
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<SeenEvent> events;
  std::map<std::string, std::string> line_buffers;  // conn → partial line
  int cancelled_calls = 0;
  std::unique_ptr<pb::ConnectionAdapter::Stub> adapter;
  std::unique_ptr<grpc::Service> unary_service;
  std::unique_ptr<grpc::Service> stream_service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  void record(SeenEvent event) {
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(event));
    }
    changed.notify_all();
  }

  // Runs the complete lines of this chunk; false = the handler should fail the call.
  bool on_bytes(const std::string& conn, const std::string& bytes) {
    std::vector<std::string> lines;
    {
      std::lock_guard lock(mutex);
      auto& buffer = line_buffers[conn];
      buffer += bytes;
      for (auto eol = buffer.find('\n'); eol != std::string::npos; eol = buffer.find('\n')) {
        lines.push_back(buffer.substr(0, eol));
        buffer.erase(0, eol + 1);
      }
    }
    for (const auto& line : lines) {
      std::istringstream in(line);
      std::string command, a, b;
      in >> command >> a;
      std::getline(in >> std::ws, b);
      Reply reply;
      if (command == "FAIL") return false;
      if (command == "SLOW") {  // a slow handler, as in "handler blocks after the socket closed"
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoul(a)));
        continue;
      }
      if (command == "AUTH") {
        reply = call_authenticate(conn, a, b, true, "");
      } else if (command == "PUB") {
        reply = call_publish(conn, a, 0, b);
      } else if (command == "RAW") {
        reply = call_raw(a, 0, b);
      } else if (command == "SUB") {
        reply = call_subscribe(conn, a, 0);
      } else if (command == "UNSUB") {
        reply = call_unsubscribe(conn, a);
      } else if (command == "KA") {
        reply = call_timer(conn, 0, static_cast<unsigned>(std::stoul(a)));
      } else if (command == "CLOSE") {
        call_close(conn);
        continue;
      } else {
        continue;
      }
      call_send(conn, std::to_string(reply.code) + "\n");
    }
    return true;
  }

  // Answers once `ctx` is cancelled (the gateway gave up on the call), bounded by 10 s.
  void hang_until_cancelled(grpc::ServerContext* ctx) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ctx->IsCancelled() && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!ctx->IsCancelled()) return;
    {
      std::lock_guard lock(mutex);
      ++cancelled_calls;
    }
    changed.notify_all();
  }

  Reply call_send(const std::string& conn, const std::string& bytes,
                  std::chrono::milliseconds deadline = std::chrono::seconds(3)) {
    pb::SendBytesRequest req;
    req.set_conn(conn);
    req.set_bytes(bytes);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx(deadline);
    return to_reply(adapter->Send(ctx.get(), req, &resp), resp);
  }
  Reply call_close(const std::string& conn) {
    pb::CloseSocketRequest req;
    req.set_conn(conn);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->Close(ctx.get(), req, &resp), resp);
  }
  Reply call_authenticate(const std::string& conn, const std::string& clientid, const std::string& password,
                          bool with_clientinfo, const std::string& username) {
    pb::AuthenticateRequest req;
    req.set_conn(conn);
    req.set_password(password);
    if (with_clientinfo) {
      auto* info = req.mutable_clientinfo();
      info->set_proto_name("demo");
      info->set_proto_ver("v1");
      info->set_clientid(clientid);
      info->set_username(username);
    }
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->Authenticate(ctx.get(), req, &resp), resp);
  }
  Reply call_timer(const std::string& conn, int type, unsigned interval) {
    pb::TimerRequest req;
    req.set_conn(conn);
    req.set_type(static_cast<pb::TimerType>(type));
    req.set_interval(interval);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->StartTimer(ctx.get(), req, &resp), resp);
  }
  Reply call_publish(const std::string& conn, const std::string& topic, unsigned qos, const std::string& payload) {
    pb::PublishRequest req;
    req.set_conn(conn);
    req.set_topic(topic);
    req.set_qos(qos);
    req.set_payload(payload);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->Publish(ctx.get(), req, &resp), resp);
  }
  Reply call_raw(const std::string& topic, unsigned qos, const std::string& payload) {
    pb::RawPublishRequest req;
    req.set_topic(topic);
    req.set_qos(qos);
    req.set_payload(payload);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->RawPublish(ctx.get(), req, &resp), resp);
  }
  Reply call_subscribe(const std::string& conn, const std::string& filter, unsigned qos) {
    pb::SubscribeRequest req;
    req.set_conn(conn);
    req.set_topic(filter);
    req.set_qos(qos);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->Subscribe(ctx.get(), req, &resp), resp);
  }
  Reply call_unsubscribe(const std::string& conn, const std::string& filter) {
    pb::UnsubscribeRequest req;
    req.set_conn(conn);
    req.set_topic(filter);
    pb::CodeResponse resp;
    auto ctx = deadline_ctx();
    return to_reply(adapter->Unsubscribe(ctx.get(), req, &resp), resp);
  }
};

namespace {

SeenEvent seen(const pb::SocketCreatedRequest& r, bool streamed) {
  SeenEvent e{EventKind::socket_created, r.conn(), {}, {}, {}, streamed};
  e.peer_host = r.conninfo().peername().host();
  e.peer_port = r.conninfo().peername().port();
  e.sock_port = r.conninfo().sockname().port();
  e.socktype = r.conninfo().socktype();
  return e;
}
SeenEvent seen(const pb::ReceivedBytesRequest& r, bool streamed) {
  return {EventKind::received_bytes, r.conn(), r.bytes(), {}, {}, streamed};
}
SeenEvent seen(const pb::ReceivedMessagesRequest& r, bool streamed) {
  SeenEvent e{EventKind::received_messages, r.conn(), {}, {}, {}, streamed};
  for (const auto& m : r.messages())
    e.messages.push_back({m.node(), m.id(), m.qos(), m.from(), m.topic(), m.payload(), m.timestamp()});
  return e;
}
SeenEvent seen(const pb::TimerTimeoutRequest& r, bool streamed) {
  return {EventKind::timer_timeout, r.conn(), {}, {}, {}, streamed};
}
SeenEvent seen(const pb::SocketClosedRequest& r, bool streamed) {
  return {EventKind::socket_closed, r.conn(), {}, r.reason(), {}, streamed};
}

// Sync services: the handler may block on adapter calls inside a callback, as EMQX's own test
// echo servers do.
class UnaryService final : public pb::ConnectionUnaryHandler::Service {
 public:
  explicit UnaryService(TestHandler::Impl& impl) : impl_(impl) {}
  grpc::Status OnSocketCreated(grpc::ServerContext*, const pb::SocketCreatedRequest* r, pb::EmptySuccess*) override {
    impl_.record(seen(*r, false));
    return grpc::Status::OK;
  }
  grpc::Status OnSocketClosed(grpc::ServerContext*, const pb::SocketClosedRequest* r, pb::EmptySuccess*) override {
    impl_.record(seen(*r, false));
    return grpc::Status::OK;
  }
  grpc::Status OnReceivedBytes(grpc::ServerContext* ctx, const pb::ReceivedBytesRequest* r,
                               pb::EmptySuccess*) override {
    impl_.record(seen(*r, false));
    if (r->bytes() == "HANG\n") {
      impl_.hang_until_cancelled(ctx);
      return grpc::Status::OK;
    }
    if (!impl_.on_bytes(r->conn(), r->bytes())) return {grpc::StatusCode::UNIMPLEMENTED, "nope"};
    return grpc::Status::OK;
  }
  grpc::Status OnTimerTimeout(grpc::ServerContext*, const pb::TimerTimeoutRequest* r, pb::EmptySuccess*) override {
    impl_.record(seen(*r, false));
    return grpc::Status::OK;
  }
  grpc::Status OnReceivedMessages(grpc::ServerContext*, const pb::ReceivedMessagesRequest* r,
                                  pb::EmptySuccess*) override {
    impl_.record(seen(*r, false));
    return grpc::Status::OK;
  }

 private:
  TestHandler::Impl& impl_;
};

class StreamService final : public pb::ConnectionHandler::Service {
 public:
  explicit StreamService(TestHandler::Impl& impl) : impl_(impl) {}
  grpc::Status OnSocketCreated(grpc::ServerContext*, grpc::ServerReader<pb::SocketCreatedRequest>* in,
                               pb::EmptySuccess*) override {
    return drain(in);
  }
  grpc::Status OnSocketClosed(grpc::ServerContext*, grpc::ServerReader<pb::SocketClosedRequest>* in,
                              pb::EmptySuccess*) override {
    return drain(in);
  }
  grpc::Status OnReceivedBytes(grpc::ServerContext*, grpc::ServerReader<pb::ReceivedBytesRequest>* in,
                               pb::EmptySuccess*) override {
    pb::ReceivedBytesRequest r;
    while (in->Read(&r)) {
      impl_.record(seen(r, true));
      impl_.on_bytes(r.conn(), r.bytes());
    }
    return grpc::Status::OK;
  }
  grpc::Status OnTimerTimeout(grpc::ServerContext*, grpc::ServerReader<pb::TimerTimeoutRequest>* in,
                              pb::EmptySuccess*) override {
    return drain(in);
  }
  grpc::Status OnReceivedMessages(grpc::ServerContext*, grpc::ServerReader<pb::ReceivedMessagesRequest>* in,
                                  pb::EmptySuccess*) override {
    return drain(in);
  }

 private:
  template <class Req>
  grpc::Status drain(grpc::ServerReader<Req>* in) {
    Req r;
    while (in->Read(&r)) impl_.record(seen(r, true));
    return grpc::Status::OK;
  }
  TestHandler::Impl& impl_;
};

}  // namespace

TestHandler::TestHandler() : impl_(std::make_unique<Impl>()) {
  impl_->unary_service = std::make_unique<UnaryService>(*impl_);
  impl_->stream_service = std::make_unique<StreamService>(*impl_);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &impl_->port);
  builder.RegisterService(impl_->unary_service.get());
  builder.RegisterService(impl_->stream_service.get());
  impl_->server = builder.BuildAndStart();
  REQUIRE(impl_->server);
  REQUIRE(impl_->port > 0);
}

TestHandler::~TestHandler() {
  if (impl_->server) impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

std::string TestHandler::address() const {
  return "127.0.0.1:" + std::to_string(impl_->port);
}

void TestHandler::set_adapter(const std::string& address) {
  // A channel of its own: after a gateway crash a new one on the same port must not inherit
  // the shared subchannel still backing off from the dead server.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  impl_->adapter = pb::ConnectionAdapter::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

int TestHandler::cancelled_calls() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->cancelled_calls;
}

std::vector<SeenEvent> TestHandler::events() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->events;
}

bool TestHandler::wait_for(const std::function<bool(const std::vector<SeenEvent>&)>& pred,
                           std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return pred(impl_->events); });
}

Reply TestHandler::send(const std::string& conn, const std::string& bytes, std::chrono::milliseconds deadline) {
  return impl_->call_send(conn, bytes, deadline);
}
Reply TestHandler::close(const std::string& conn) { return impl_->call_close(conn); }
Reply TestHandler::authenticate(const std::string& conn, const std::string& clientid, const std::string& password,
                                bool with_clientinfo, const std::string& username) {
  return impl_->call_authenticate(conn, clientid, password, with_clientinfo, username);
}
Reply TestHandler::start_timer(const std::string& conn, int type, unsigned interval) {
  return impl_->call_timer(conn, type, interval);
}
Reply TestHandler::publish(const std::string& conn, const std::string& topic, unsigned qos,
                           const std::string& payload) {
  return impl_->call_publish(conn, topic, qos, payload);
}
Reply TestHandler::subscribe(const std::string& conn, const std::string& filter, unsigned qos) {
  return impl_->call_subscribe(conn, filter, qos);
}
Reply TestHandler::unsubscribe(const std::string& conn, const std::string& filter) {
  return impl_->call_unsubscribe(conn, filter);
}
Reply TestHandler::raw_publish(const std::string& topic, unsigned qos, const std::string& payload) {
  return impl_->call_raw(topic, qos, payload);
}

}  // namespace devgw_test
