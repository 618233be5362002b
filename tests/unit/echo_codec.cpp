// Test codec: every hook becomes an upstream call the test can see, in hook order.
//   bytes "timer <ms> <tag>"  → starts a host timer        bytes "cancel <id>" → cancels it
//   bytes "fail"              → hook fails (status 1000)   bytes "throw"       → throws
//   bytes "close"             → asks the host to close     bytes "pub <topic>" → publish
//   bytes "auth <clientid>"   → authenticate               other bytes         → Send(bytes)
//   bytes "sleep <ms>"        → the hook sleeps, then Send("slept")
//   bytes "bigpub <n>"        → publish of an n-byte payload
//   bytes "whoami"            → Send("thread <hash of the hook's thread id>")
//   bytes "callpub"           → publish, then Send("after-call") in the same hook
//   result (of anything but Send) → Send("result <kind> <code>"), timer → Send("timer <tag>"),
//   messages → Send("msg <topic> <payload>") each, keepalive timeout → Send("keepalive"),
//   open → Send("open <peer port>").
#include <exproto/codec.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <functional>
#include <thread>

namespace {

class EchoSession : public exproto::Session {
 public:
  using exproto::Session::Session;

  exproto::Status on_bytes(std::span<const uint8_t> data) override {
    const std::string s(reinterpret_cast<const char*>(data.data()), data.size());
    if (s.rfind("timer ", 0) == 0) {
      const auto sp = s.find(' ', 6);
      const uint64_t ms = std::stoull(s.substr(6, sp - 6));
      const uint64_t tag = std::stoull(s.substr(sp + 1));
      const uint64_t id = host().timer_start(ms, tag);
      host().send("timer-id " + std::to_string(id));
    } else if (s.rfind("cancel ", 0) == 0) {
      const bool ok = host().timer_cancel(std::stoull(s.substr(7)));
      host().send(ok ? "cancelled" : "not-cancelled");
    } else if (s.rfind("sleep ", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoull(s.substr(6))));
      host().send("slept");
    } else if (s == "whoami") {
      host().send("thread " + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    } else if (s == "callpub") {
      host().publish("t/r", 0, "x");
      host().send("after-call");
    } else if (s.rfind("bigpub ", 0) == 0) {
      host().publish("t/big", 0, std::string(std::stoull(s.substr(7)), 'x'));
    } else if (s == "fail") {
      return 1000;
    } else if (s == "throw") {
      throw std::runtime_error("boom");
    } else if (s == "close") {
      host().close();
    } else if (s.rfind("pub ", 0) == 0) {
      host().publish(s.substr(4), 0, "x");
    } else if (s.rfind("auth ", 0) == 0) {
      host().authenticate(exproto::ClientInfo{"echo", "1", s.substr(5), "", ""}, "pw");
    } else {
      host().send(s);
    }
    return exproto::kOk;
  }
  exproto::Status on_messages(std::span<const exproto::Message> msgs) override {
    for (const auto& m : msgs) host().send("msg " + std::string(m.topic) + " " + std::string(m.payload));
    return exproto::kOk;
  }
  exproto::Status on_keepalive_timeout() override {
    host().send("keepalive");
    return exproto::kOk;
  }
  exproto::Status on_timer(uint64_t, uint64_t tag) override {
    host().send("timer " + std::to_string(tag));
    return exproto::kOk;
  }
  exproto::Status on_result(const exproto::CallResult& r) override {
    if (r.kind != exproto::CallKind::send)
      host().send("result " + std::to_string(static_cast<int>(r.kind)) + " " + std::to_string(r.code));
    return exproto::kOk;
  }
};

class EchoCodec : public exproto::Codec {
 public:
  EchoCodec(exproto::CodecContext, std::string_view) {}
  std::unique_ptr<exproto::Session> open(exproto::SessionHost host, std::string_view,
                                         const exproto::ConnInfo& info) override {
    if (info.peer_port == 666) return nullptr;  // lets a test see a refused open
    auto s = std::make_unique<EchoSession>(host);
    host.send("open " + std::to_string(info.peer_port));
    return s;
  }
};

}  // namespace

EXPROTO_CODEC(EchoCodec, "unit-echo", "1.0.0", "exproto tests")
