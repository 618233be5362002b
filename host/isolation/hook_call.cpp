#include "host/isolation/hook_call.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <span>
#include <string>
#include <utility>

#include "host/isolation/ipc_frame.h"
#include "host/isolation/runner_child.h"
#include "host/metrics/metrics.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {

using ipc::FrameReader;
using ipc::HostFn;

exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }
exproto_type_bytes bytes(std::string_view s) {
  return exproto_type_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

ServedCall from(Session::ChildCall c) {
  switch (c) {
    case Session::ChildCall::taken:
    case Session::ChildCall::refused: return ServedCall::ok;
    case Session::ChildCall::out_of_step: return ServedCall::out_of_step;
    case Session::ChildCall::flooding: return ServedCall::flooding;
  }
  return ServedCall::out_of_step;
}

}  // namespace

ServedCall serve_child_call(FrameReader& r, const HookTarget& t, uint64_t& value) {
  const auto fn = static_cast<HostFn>(r.u8());
  const uint64_t id = r.u64();
  auto& s = *static_cast<Session*>(t.session);
  UpstreamCall c;
  switch (fn) {
    case HostFn::send:
      c.kind = EXPROTO_CALL_SEND;
      c.data = r.str();
      break;
    case HostFn::close:
      c.kind = EXPROTO_CALL_CLOSE;
      break;
    case HostFn::authenticate:
      c.kind = EXPROTO_CALL_AUTHENTICATE;
      c.clientinfo.proto_name = r.str();
      c.clientinfo.proto_ver = r.str();
      c.clientinfo.clientid = r.str();
      c.clientinfo.username = r.str();
      c.clientinfo.mountpoint = r.str();
      c.data = r.str();
      break;
    case HostFn::start_keepalive:
      c.kind = EXPROTO_CALL_START_KEEPALIVE;
      c.interval_s = r.u32();
      break;
    case HostFn::publish:
    case HostFn::raw_publish:
      c.kind = fn == HostFn::publish ? EXPROTO_CALL_PUBLISH : EXPROTO_CALL_RAW_PUBLISH;
      c.topic = r.str();
      c.qos = r.u32();
      c.data = r.str();
      break;
    case HostFn::subscribe:
      c.kind = EXPROTO_CALL_SUBSCRIBE;
      c.topic = r.str();
      c.qos = r.u32();
      break;
    case HostFn::unsubscribe:
      c.kind = EXPROTO_CALL_UNSUBSCRIBE;
      c.topic = r.str();
      break;
    case HostFn::timer_start: {
      const uint64_t delay = r.u64();
      const uint64_t tag = r.u64();
      if (!r.complete()) return ServedCall::malformed;
      return from(s.api_timer_start_from_child(delay, tag, id));
    }
    case HostFn::timer_cancel:
      if (!r.complete()) return ServedCall::malformed;
      // The child said true already; its count of running timers is the host's (the hook frame
      // carried it), so this finds the timer.
      s.api_timer_cancel(id);
      return ServedCall::ok;
    case HostFn::state_write: {
      const auto chunk = r.str();
      if (!r.complete()) return ServedCall::malformed;
      value = t.writer != nullptr && t.writer->write(t.writer->writer, bytes(chunk)) ? 1 : 0;
      return ServedCall::reply;
    }
    default:
      return ServedCall::malformed;
  }
  if (!r.complete()) return ServedCall::malformed;
  return from(s.api_call_from_child(std::move(c), id));
}

namespace {

// The conversation of the hooks sent in `request`: the child's calls and log lines are run as they
// come, and each hook ends with a `done`. `hooks` names them, in order; `on_done` gets each
// outcome and says whether the next one follows. Each hook gets the hook timeout from when the
// previous ended. A child that breaks the conversation is killed; the hook it was on then fails.
template <class OnDone>
void converse(RunnerChild& child, std::string_view request, const HookTarget& target, const HookEnv& env,
              std::span<const char* const> hooks, OnDone on_done) {
  std::size_t at = 0;  // the hook running now
  auto deadline = std::chrono::steady_clock::now() + env.timeout;
  auto lease = child.lease(deadline);
  if (!lease) return;  // dead, or every channel stuck in hooks that are about to time out
  auto& channel = lease.channel();
  bool flooding = false;
  if (!channel.write(request)) {
    child.kill(RunnerChild::Cause::none, "");
    return;
  }
  for (;;) {
    const char* hook = hooks[at];
    std::string_view body;
    const auto got = channel.read(body, deadline);
    if (got == ipc::Channel::Read::timeout) {
      env.metrics->isolated_hook_timeouts.inc();
      child.kill(RunnerChild::Cause::timeout,
                 fmt::format("{} ran longer than {} ms (sessions.hook_timeout_ms)", hook, env.timeout.count()));
      return;
    }
    if (got != ipc::Channel::Read::frame) {
      // Gone on its own (the supervisor says how), or a frame length no child may send.
      child.kill(got == ipc::Channel::Read::bad ? RunnerChild::Cause::protocol : RunnerChild::Cause::none,
                 got == ipc::Channel::Read::bad ? fmt::format("it sent a malformed frame during {}", hook) : "");
      return;
    }
    FrameReader r(body);
    const auto op = r.op();
    if (op == ipc::Op::call) {
      if (target.session == nullptr) break;  // no session hook: nothing may call
      uint64_t value = 0;
      const ServedCall served = serve_child_call(r, target, value);
      if (served == ServedCall::malformed) break;
      if (served == ServedCall::out_of_step) {
        child.kill(RunnerChild::Cause::protocol,
                   fmt::format("during {} it handed the codec an id out of step with the host session", hook));
        return;
      }
      if (served == ServedCall::flooding) {
        // The hook fails; what it still calls is refused without results (the session closes).
        if (std::exchange(flooding, true)) continue;
        spdlog::error("conn {}: codec kept calling during {} while as many refused calls as "
                      "sessions.max_pending_calls waited for their results; failing the hook",
                      static_cast<Session*>(target.session)->conn(), hook);
        continue;
      }
      if (served != ServedCall::reply) continue;
      ipc::FrameWriter reply(ipc::Op::reply);
      reply.u64(value);
      if (!channel.write(reply.finish())) {
        child.kill(RunnerChild::Cause::none, "");
        return;
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
      if (std::exchange(flooding, false) && out.status == EXPROTO_STATUS_OK) out.status = EXPROTO_STATUS_LIMIT;
      // The child runs no hook after one that failed; more `done` frames than hooks are garbage.
      if (!on_done(out) || out.status != EXPROTO_STATUS_OK) return;
      if (++at == hooks.size()) return;
      deadline = std::chrono::steady_clock::now() + env.timeout;
      continue;
    }
    break;
  }
  child.kill(RunnerChild::Cause::protocol, fmt::format("it sent a malformed frame during {}", hooks[at]));
}

}  // namespace

HookOutcome run_in_child(RunnerChild& child, std::string_view request, const HookTarget& target, const HookEnv& env,
                         const char* hook) {
  HookOutcome outcome;
  converse(child, request, target, env, std::span<const char* const>(&hook, 1), [&](const HookOutcome& out) {
    outcome = out;
    return false;  // the only one
  });
  return outcome;
}

}  // namespace exproto::host
