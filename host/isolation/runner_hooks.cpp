#include "host/isolation/runner_hooks.h"

#include <sched.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/isolation/ipc_frame.h"
#include "host/isolation/runner_host_api.h"

namespace exproto::host::runner {

namespace {

using ipc::FrameReader;
using ipc::Op;

exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }
exproto_type_bytes bytes(std::string_view s) {
  return exproto_type_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The host session's counters as the hook frame states them: what the child hands out next.
struct Ids {
  uint64_t next_request_id = 1;
  uint64_t next_timer_id = 1;
  uint32_t max_timers = 0;
  std::vector<uint64_t> timers;
};

void read_ids(FrameReader& r, Ids& ids) {
  ids.next_request_id = r.u64();
  ids.next_timer_id = r.u64();
  ids.max_timers = r.u32();
  const uint32_t n = r.u32();
  ids.timers.clear();
  for (uint32_t i = 0; i < n && r.ok(); ++i) ids.timers.push_back(r.u64());
}

// Marks the hook running on this thread for the session, so its host calls queue on this
// thread's link, with ids counted from where the host session stands.
class HookScope {
 public:
  HookScope(RunnerSession& s, HookLink& link, Ids& ids) : s_(s) {
    s_.link = &link;
    s_.next_request_id = ids.next_request_id;
    s_.next_timer_id = ids.next_timer_id;
    s_.max_timers = ids.max_timers;
    s_.timers.swap(ids.timers);
    s_.hook_thread.store(std::this_thread::get_id());
  }
  ~HookScope() {
    s_.hook_thread.store(std::thread::id{});
    s_.link = nullptr;
  }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;

 private:
  RunnerSession& s_;
};

exproto_type_conninfo read_conninfo(FrameReader& r) {
  exproto_type_conninfo info{sizeof(exproto_type_conninfo), 0, {}, 0, {}, 0, {}, {}};
  info.socktype = r.i32();
  info.peer_host = str(r.str());
  info.peer_port = r.u32();
  info.sock_host = str(r.str());
  info.sock_port = r.u32();
  info.cert_cn = str(r.str());
  info.cert_dn = str(r.str());
  return info;
}

// The host is the trusted side: a frame it sends wrong is a bug in this binary, not an attack.
[[noreturn]] void host_broke_protocol() { std::_Exit(3); }

RunnerSession& session_of(uint64_t handle) { return *reinterpret_cast<RunnerSession*>(handle); }

struct Done {
  exproto_type_status status = EXPROTO_STATUS_OK;
  uint64_t session = 0;
};

// Runs this thread on the CPU of the host thread that sent the hook. The host thread sleeps in
// read while the hook runs and wakes when it ends; a wake-up across CPUs cost three times one on
// the same CPU on the development VM (a socketpair ping-pong: 34 against 11 us of CPU per round
// trip), and a hook is at least one such round trip.
class CpuFollower {
 public:
  void follow(uint32_t cpu) {
    if (cpu == ipc::kAnyCpu || cpu == pinned_ || cpu >= CPU_SETSIZE) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    // Refused (the CPU is outside this process's set): stay where the scheduler puts us.
    if (::sched_setaffinity(0, sizeof set, &set) == 0) pinned_ = cpu;
  }

 private:
  uint32_t pinned_ = ipc::kAnyCpu;
};

std::vector<exproto_type_message> read_messages(FrameReader& r) {
  const uint32_t n = r.u32();
  std::vector<exproto_type_message> messages;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    exproto_type_message m{sizeof(exproto_type_message), {}, {}, 0, {}, {}, {}, 0};
    m.node = str(r.str());
    m.id = str(r.str());
    m.qos = r.u32();
    m.from = str(r.str());
    m.topic = str(r.str());
    m.payload = bytes(r.str());
    m.timestamp_ms = r.u64();
    messages.push_back(m);
  }
  return messages;
}

exproto_type_call_result read_result(FrameReader& r) {
  exproto_type_call_result result{sizeof(exproto_type_call_result), 0, 0, 0, {}};
  result.request_id = r.u64();
  result.kind = r.i32();
  result.code = r.i32();
  result.message = str(r.str());
  return result;
}

void queue_done(HookLink& link, exproto_type_status status, uint64_t session = 0) {
  ipc::FrameWriter f(Op::done, link.out());
  f.i32(status).u64(session);
  f.finish();
}

// Op::queued: the hooks one after the other, as the host would have run them one by one, each
// answered by its `done`; none after one that did not return OK (the host closes the session).
void run_queued(FrameReader& r, HookLink& link, const exproto_codec_descriptor& d, Ids& ids) {
  auto& s = session_of(r.u64());
  const uint32_t n = r.u32();
  if (!r.ok()) host_broke_protocol();
  HookScope scope(s, link, ids);  // the ids go on from hook to hook
  for (uint32_t i = 0; i < n; ++i) {
    exproto_type_status st = EXPROTO_STATUS_OK;
    switch (static_cast<Op>(r.u8())) {
      case Op::bytes: {
        const auto data = r.str();
        if (!r.ok()) host_broke_protocol();
        st = d.on_session_bytes(s.state, bytes(data));
        break;
      }
      case Op::messages: {
        const auto messages = read_messages(r);
        if (!r.ok()) host_broke_protocol();
        st = d.on_session_messages(s.state, messages.data(), messages.size());
        break;
      }
      case Op::result: {
        const auto result = read_result(r);
        if (!r.ok()) host_broke_protocol();
        st = d.on_session_result(s.state, &result);
        break;
      }
      default:
        host_broke_protocol();
    }
    queue_done(link, st);
    if (st != EXPROTO_STATUS_OK) return;
  }
  if (!r.complete()) host_broke_protocol();
}

Done run_hook(FrameReader& r, HookLink& link, const exproto_codec_descriptor& d,
              exproto_type_codec_codec_ptr instance, CpuFollower& cpu, Ids& ids) {
  const Op op = r.op();
  cpu.follow(r.u32());
  read_ids(r, ids);
  switch (op) {
    case Op::open:
    case Op::import_: {
      const auto conn = r.str();
      const auto info = read_conninfo(r);
      const auto state = op == Op::import_ ? r.str() : std::string_view{};
      if (!r.complete() || (op == Op::import_ && d.on_session_import == nullptr)) host_broke_protocol();
      auto s = std::make_unique<RunnerSession>();
      exproto_type_status st;
      {
        HookScope scope(*s, link, ids);
        st = op == Op::open ? d.on_session_open(instance, s.get(), str(conn), &info, &s->state)
                            : d.on_session_import(instance, s.get(), str(conn), &info, bytes(state), &s->state);
      }
      // A NULL state with OK is refused by the host as in-process: it gets no handle.
      if (st != EXPROTO_STATUS_OK || s->state == nullptr) return Done{st, 0};
      return Done{st, reinterpret_cast<uint64_t>(s.release())};  // the host's until on_session_close
    }
    case Op::close: {
      std::unique_ptr<RunnerSession> s(&session_of(r.u64()));
      const auto reason = r.str();
      if (!r.complete()) host_broke_protocol();
      HookScope scope(*s, link, ids);
      d.on_session_close(s->state, str(reason));
      return {};
    }
    case Op::bytes: {
      auto& s = session_of(r.u64());
      const auto data = r.str();
      if (!r.complete()) host_broke_protocol();
      HookScope scope(s, link, ids);
      return Done{d.on_session_bytes(s.state, bytes(data))};
    }
    case Op::messages: {
      auto& s = session_of(r.u64());
      const auto messages = read_messages(r);
      if (!r.complete()) host_broke_protocol();
      HookScope scope(s, link, ids);
      return Done{d.on_session_messages(s.state, messages.data(), messages.size())};
    }
    case Op::keepalive: {
      auto& s = session_of(r.u64());
      if (!r.complete()) host_broke_protocol();
      HookScope scope(s, link, ids);
      return Done{d.on_session_keepalive_timeout(s.state)};
    }
    case Op::timer: {
      auto& s = session_of(r.u64());
      const uint64_t id = r.u64();
      const uint64_t tag = r.u64();
      if (!r.complete()) host_broke_protocol();
      HookScope scope(s, link, ids);
      return Done{d.on_session_timer(s.state, id, tag)};
    }
    case Op::result: {
      auto& s = session_of(r.u64());
      const auto result = read_result(r);
      if (!r.complete()) host_broke_protocol();
      HookScope scope(s, link, ids);
      return Done{d.on_session_result(s.state, &result)};
    }
    case Op::export_: {
      auto& s = session_of(r.u64());
      if (!r.complete() || d.on_session_export == nullptr) host_broke_protocol();
      HookScope scope(s, link, ids);
      const auto writer = state_writer(s);
      s.exporting = true;
      const auto st = d.on_session_export(s.state, &writer);
      s.exporting = false;
      return Done{st};
    }
    default:
      host_broke_protocol();
  }
}

}  // namespace

void serve_hooks(ipc::Channel& channel, const exproto_codec_descriptor& d, exproto_type_codec_codec_ptr instance) {
  HookLink link(channel);
  CpuFollower cpu;
  Ids ids;
  bool batch_policy = false;
  for (;;) {
    // The codec reads the event's bytes in place: nothing is read from the channel until the
    // hook returned, except the replies of an export's state writer, whose request frame holds
    // nothing the codec looks at.
    std::string_view body;
    if (channel.read(body) != ipc::Channel::Read::frame) std::_Exit(0);  // the host closed it
    FrameReader r(body);
    if (FrameReader peek(body); peek.op() == Op::queued) {
      if (!std::exchange(batch_policy, true)) {
        // Only hook lanes carry queued frames. The host thread that wrote one does not wait for
        // the answer, so waking this thread need not preempt it: it finishes its work and sleeps,
        // and this runs then (one context switch fewer per hook).
        const sched_param param{};
        ::sched_setscheduler(0, SCHED_BATCH, &param);  // refused: stays SCHED_OTHER
      }
      r.op();
      cpu.follow(r.u32());
      read_ids(r, ids);
      run_queued(r, link, d, ids);
    } else {
      const Done done = run_hook(r, link, d, instance, cpu, ids);
      queue_done(link, done.status, done.session);
    }
    // The hooks' calls and logs, and their `done`: one write — for every hook already received
    // on this channel (a hook lane, where the host sends hooks of several sessions without
    // waiting: under load one read and one write serve many).
    if (!channel.frame_buffered()) link.flush();
  }
}

}  // namespace exproto::host::runner
