#include "host/isolation/hook_call.h"

#include <fmt/format.h>

#include <string>

#include "host/isolation/ipc_frame.h"
#include "host/isolation/runner_child.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

namespace {

using ipc::FrameReader;
using ipc::HostFn;

exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }
exproto_type_bytes bytes(std::string_view s) {
  return exproto_type_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Executes one forwarded host call; false when the frame is malformed.
bool serve_call(FrameReader& r, const HookTarget& t, const exproto_host_api& api, uint64_t& value) {
  const auto fn = static_cast<HostFn>(r.u8());
  auto* s = t.session;
  switch (fn) {
    case HostFn::send: {
      const auto data = r.str();
      if (!r.complete()) return false;
      value = api.send(s, bytes(data));
      return true;
    }
    case HostFn::close:
      if (!r.complete()) return false;
      value = api.close(s);
      return true;
    case HostFn::authenticate: {
      exproto_type_clientinfo ci{sizeof(exproto_type_clientinfo), {}, {}, {}, {}, {}};
      ci.proto_name = str(r.str());
      ci.proto_ver = str(r.str());
      ci.clientid = str(r.str());
      ci.username = str(r.str());
      ci.mountpoint = str(r.str());
      const auto password = r.str();
      if (!r.complete()) return false;
      value = api.authenticate(s, &ci, str(password));
      return true;
    }
    case HostFn::start_keepalive: {
      const uint32_t interval = r.u32();
      if (!r.complete()) return false;
      value = api.start_keepalive(s, interval);
      return true;
    }
    case HostFn::publish:
    case HostFn::raw_publish: {
      const auto topic = r.str();
      const uint32_t qos = r.u32();
      const auto payload = r.str();
      if (!r.complete()) return false;
      value = (fn == HostFn::publish ? api.publish : api.raw_publish)(s, str(topic), qos, bytes(payload));
      return true;
    }
    case HostFn::subscribe: {
      const auto filter = r.str();
      const uint32_t qos = r.u32();
      if (!r.complete()) return false;
      value = api.subscribe(s, str(filter), qos);
      return true;
    }
    case HostFn::unsubscribe: {
      const auto filter = r.str();
      if (!r.complete()) return false;
      value = api.unsubscribe(s, str(filter));
      return true;
    }
    case HostFn::timer_start: {
      const uint64_t delay = r.u64();
      const uint64_t tag = r.u64();
      if (!r.complete()) return false;
      value = api.timer_start(s, delay, tag);
      return true;
    }
    case HostFn::timer_cancel: {
      const uint64_t id = r.u64();
      if (!r.complete()) return false;
      value = api.timer_cancel(s, id) ? 1 : 0;
      return true;
    }
    case HostFn::state_write: {
      const auto chunk = r.str();
      if (!r.complete()) return false;
      value = t.writer != nullptr && t.writer->write(t.writer->writer, bytes(chunk)) ? 1 : 0;
      return true;
    }
  }
  return false;
}

}  // namespace

HookOutcome run_in_child(RunnerChild& child, std::string_view request, const HookTarget& target, const HookEnv& env,
                         const char* hook) {
  const auto deadline = std::chrono::steady_clock::now() + env.timeout;
  auto lease = child.lease(deadline);
  if (!lease) return {};  // dead, or every channel stuck in hooks that are about to time out
  auto& channel = lease.channel();
  if (!channel.write(request)) {
    child.kill(RunnerChild::Cause::none, "");
    return {};
  }
  for (;;) {
    std::string_view body;
    const auto got = channel.read(body, deadline);
    if (got == ipc::Channel::Read::timeout) {
      env.metrics->isolated_hook_timeouts.inc();
      child.kill(RunnerChild::Cause::timeout,
                 fmt::format("{} ran longer than {} ms (sessions.hook_timeout_ms)", hook, env.timeout.count()));
      return {};
    }
    if (got != ipc::Channel::Read::frame) {
      // Gone on its own (the supervisor says how), or a frame length no child may send.
      child.kill(got == ipc::Channel::Read::bad ? RunnerChild::Cause::protocol : RunnerChild::Cause::none,
                 got == ipc::Channel::Read::bad ? fmt::format("it sent a malformed frame during {}", hook) : "");
      return {};
    }
    FrameReader r(body);
    const auto op = r.op();
    if (op == ipc::Op::call) {
      uint64_t value = 0;
      if (!serve_call(r, target, *env.api, value)) break;
      ipc::FrameWriter reply(ipc::Op::reply);
      reply.u64(value);
      if (!channel.write(reply.finish())) {
        child.kill(RunnerChild::Cause::none, "");
        return {};
      }
      continue;
    }
    if (op == ipc::Op::log) {
      const int32_t level = r.i32();
      const auto text = r.str();
      if (!r.complete()) break;
      if (target.session != nullptr) env.api->session_log(target.session, level, str(text));
      continue;
    }
    if (op == ipc::Op::done) {
      HookOutcome out;
      out.status = r.i32();
      out.remote_session = r.u64();
      if (!r.complete()) break;
      return out;
    }
    break;
  }
  child.kill(RunnerChild::Cause::protocol, fmt::format("it sent a malformed frame during {}", hook));
  return {};
}

}  // namespace exproto::host
