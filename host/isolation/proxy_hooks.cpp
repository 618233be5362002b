#include "host/isolation/proxy_hooks.h"

#include <sched.h>

#include <memory>
#include <string_view>
#include <vector>

#include "host/isolation/ipc_frame.h"
#include "host/isolation/isolated_codec.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {

using ipc::FrameWriter;
using ipc::Op;

struct ProxySession {
  std::shared_ptr<RunnerChild> child;  // the one that holds this session's state
  uint64_t remote = 0;                 // the child's handle of it
  exproto_type_session_host_ptr session = nullptr;
  const HookEnv* env = nullptr;
};

// Every hook frame starts with the CPU the calling thread runs on: the child's thread follows it,
// so that waking it, and being woken by it, stays on one CPU (see runner_hooks.cpp). Then where
// the session's ids stand: the child returns the codec's request and timer ids itself, without
// waiting for this process, and they must be the ids this session will use.
void hook_head(FrameWriter& f, exproto_type_session_host_ptr host_session, int cpu = ::sched_getcpu()) {
  f.u32(cpu < 0 ? ipc::kAnyCpu : static_cast<uint32_t>(cpu));
  const auto& s = *static_cast<const Session*>(host_session);
  f.u64(s.next_request_id()).u64(s.next_timer_id()).u32(static_cast<uint32_t>(s.max_timers()));
  uint32_t n = 0;
  s.for_each_timer([&](uint64_t) { ++n; });
  f.u32(n);
  s.for_each_timer([&](uint64_t id) { f.u64(id); });
}

ProxySession& proxy(exproto_type_session_codec_ptr state) { return *static_cast<ProxySession*>(state); }
std::string_view view(exproto_type_str s) { return s.len == 0 ? std::string_view{} : std::string_view(s.ptr, s.len); }
std::string_view view(exproto_type_bytes b) {
  return b.len == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(b.ptr), b.len);
}

void put_conninfo(FrameWriter& f, const exproto_type_conninfo* info) {
  const exproto_type_conninfo none{sizeof(exproto_type_conninfo), 0, {}, 0, {}, 0, {}, {}};
  const auto& i = info != nullptr ? *info : none;
  f.i32(i.socktype).str(view(i.peer_host)).u32(i.peer_port).str(view(i.sock_host)).u32(i.sock_port);
  f.str(view(i.cert_cn)).str(view(i.cert_dn));
}

// A session hook on the child that opened the session; a dead child fails it at once.
exproto_type_status forward(ProxySession& p, FrameWriter& f, const char* hook, HookTarget target = {}) {
  if (p.child->dead()) return EXPROTO_STATUS_ERROR;
  target.session = p.session;
  return run_in_child(*p.child, f.finish(), target, *p.env, hook).status;
}

// open and import: on the child serving now; a restarting route refuses the session.
exproto_type_status start_session(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr session,
                                  FrameWriter& f, const char* hook, exproto_type_session_codec_ptr* out) {
  auto& owner = *static_cast<IsolatedCodec*>(codec);
  auto child = owner.serving();
  if (!child) return EXPROTO_STATUS_ERROR;
  const auto done = run_in_child(*child, f.finish(), HookTarget{session, nullptr}, owner.hook_env(), hook);
  *out = nullptr;
  if (done.status != EXPROTO_STATUS_OK || done.remote_session == 0) return done.status;
  auto p = std::make_unique<ProxySession>(ProxySession{std::move(child), done.remote_session, session, &owner.hook_env()});
  *out = p.release();  // owned by the host's Session until on_session_close
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_codec_create(const exproto_host_api*, exproto_type_codec_host_ptr, exproto_type_str,
                                    exproto_type_codec_codec_ptr*) {
  return EXPROTO_STATUS_UNSUPPORTED;  // an isolated instance is created in its child
}
void on_codec_destroy(exproto_type_codec_codec_ptr) {}

exproto_type_status on_open(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr session,
                            exproto_type_str conn, const exproto_type_conninfo* info,
                            exproto_type_session_codec_ptr* out) {
  FrameWriter f(Op::open);
  hook_head(f, session);
  f.str(view(conn));
  put_conninfo(f, info);
  return start_session(codec, session, f, "on_session_open", out);
}

exproto_type_status on_import(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr session,
                              exproto_type_str conn, const exproto_type_conninfo* info, exproto_type_bytes state,
                              exproto_type_session_codec_ptr* out) {
  FrameWriter f(Op::import_);
  hook_head(f, session);
  f.str(view(conn));
  put_conninfo(f, info);
  f.str(view(state));
  return start_session(codec, session, f, "on_session_import", out);
}

void on_close(exproto_type_session_codec_ptr state, exproto_type_str reason) {
  std::unique_ptr<ProxySession> p(static_cast<ProxySession*>(state));
  if (p->child->dead()) return;  // its state died with the child
  FrameWriter f(Op::close);
  hook_head(f, p->session);
  f.u64(p->remote).str(view(reason));
  forward(*p, f, "on_session_close");
}

exproto_type_status on_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  auto& p = proxy(state);
  FrameWriter f(Op::bytes);
  hook_head(f, p.session);
  f.u64(p.remote).str(view(data));
  return forward(p, f, "on_session_bytes");
}

void put_messages(FrameWriter& f, const exproto_type_message* m, size_t n) {
  f.u32(static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    f.str(view(m[i].node)).str(view(m[i].id)).u32(m[i].qos).str(view(m[i].from)).str(view(m[i].topic));
    f.str(view(m[i].payload)).u64(m[i].timestamp_ms);
  }
}

void put_result(FrameWriter& f, const exproto_type_call_result* r) {
  f.u64(r->request_id).i32(r->kind).i32(r->code).str(view(r->message));
}

exproto_type_status on_messages(exproto_type_session_codec_ptr state, const exproto_type_message* m, size_t n) {
  auto& p = proxy(state);
  FrameWriter f(Op::messages);
  hook_head(f, p.session);
  f.u64(p.remote);
  put_messages(f, m, n);
  return forward(p, f, "on_session_messages");
}

exproto_type_status on_keepalive(exproto_type_session_codec_ptr state) {
  auto& p = proxy(state);
  FrameWriter f(Op::keepalive);
  hook_head(f, p.session);
  f.u64(p.remote);
  return forward(p, f, "on_session_keepalive_timeout");
}

exproto_type_status on_timer(exproto_type_session_codec_ptr state, uint64_t timer_id, uint64_t tag) {
  auto& p = proxy(state);
  FrameWriter f(Op::timer);
  hook_head(f, p.session);
  f.u64(p.remote).u64(timer_id).u64(tag);
  return forward(p, f, "on_session_timer");
}

exproto_type_status on_result(exproto_type_session_codec_ptr state, const exproto_type_call_result* r) {
  auto& p = proxy(state);
  FrameWriter f(Op::result);
  hook_head(f, p.session);
  f.u64(p.remote);
  put_result(f, r);
  return forward(p, f, "on_session_result");
}

exproto_type_status on_export(exproto_type_session_codec_ptr state, const exproto_type_state_writer* writer) {
  auto& p = proxy(state);
  FrameWriter f(Op::export_);
  hook_head(f, p.session);
  f.u64(p.remote);
  return forward(p, f, "on_session_export", HookTarget{nullptr, writer});
}

}  // namespace

bool start_queued_hooks(exproto_type_session_codec_ptr state, std::span<const QueuedHook> hooks,
                        std::shared_ptr<HookWaiter> waiter) {
  auto& p = proxy(state);
  HookLane* on = p.child->pick_lane();
  if (on == nullptr) return false;  // dead, as forward(): the first fails, the session closes
  FrameWriter f(Op::queued);
  // The child's thread of the lane stays on the lane's CPU, not the sender's.
  hook_head(f, p.session, on->home_cpu() == ipc::kAnyCpu ? -1 : static_cast<int>(on->home_cpu()));
  f.u64(p.remote).u32(static_cast<uint32_t>(hooks.size()));
  LaneHooks lane{HookTarget{p.session, nullptr}, p.env, {}, std::move(waiter)};
  lane.names.reserve(hooks.size());
  for (const auto& h : hooks) {
    switch (h.kind) {
      case QueuedHook::Kind::bytes:
        f.u8(static_cast<uint8_t>(Op::bytes)).str(view(h.data));
        lane.names.push_back("on_session_bytes");
        break;
      case QueuedHook::Kind::messages:
        f.u8(static_cast<uint8_t>(Op::messages));
        put_messages(f, h.messages, h.count);
        lane.names.push_back("on_session_messages");
        break;
      case QueuedHook::Kind::result:
        f.u8(static_cast<uint8_t>(Op::result));
        put_result(f, h.result);
        lane.names.push_back("on_session_result");
        break;
    }
  }
  return on->submit(f.finish(), std::move(lane));
}

exproto_codec_descriptor proxy_descriptor(const exproto_codec_descriptor& real) {
  exproto_codec_descriptor d = real;  // name, version, vendor, ABI: the library's own
  d.struct_size = sizeof(exproto_codec_descriptor);
  d.on_codec_create = &on_codec_create;
  d.on_codec_destroy = &on_codec_destroy;
  d.on_session_open = &on_open;
  d.on_session_close = &on_close;
  d.on_session_bytes = &on_bytes;
  d.on_session_messages = &on_messages;
  d.on_session_keepalive_timeout = &on_keepalive;
  d.on_session_timer = &on_timer;
  d.on_session_result = &on_result;
  d.on_session_export = real.on_session_export != nullptr ? &on_export : nullptr;
  d.on_session_import = real.on_session_import != nullptr ? &on_import : nullptr;
  return d;
}

}  // namespace exproto::host
