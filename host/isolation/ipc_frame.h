// The frames the host and a codec-runner child exchange over pipes (ipc_channel.h). Both ends are
// the same binary on the same machine, so integers travel in native byte order; what the host
// reads is still checked field by field, since a broken child may write anything.
//
//   frame  = u32 body length, body
//   body   = u8 op, fields
//   field  = u8 | u32 | i32 | u64 (native order) | str (u32 length, bytes)
//
// One hook is one conversation on one channel: the host sends the hook op, the child answers with
// any number of `call` and `log` frames, then `done` — usually all in one write. Calls travel one
// way: the child has already returned their request or timer id to the codec (the host session's
// next one, which every hook frame tells it), and the host uses exactly that id. Only `state_write`
// (export) waits for a `reply`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace exproto::host::ipc {

// Largest frame either side accepts. EMQX hands over at most handler.max_receive_bytes (16 MiB by
// default) per event; a session's exported state is bounded at 4 MiB.
inline constexpr std::size_t kMaxFrame = 64u * 1024 * 1024;

// A hook frame's first field after the op: the CPU of the host thread sending it, or this when
// unknown.
inline constexpr uint32_t kAnyCpu = 0xFFFFFFFFu;

enum class Op : uint8_t {
  // host -> child on a hook channel: one per codec hook, each starting with u32 cpu and the
  // session's ids (u64 next request id, u64 next timer id, u32 max timers, u32 n, n * u64 ids of
  // its running timers), then:
  open = 1,       // str conn, conninfo
  import_ = 2,    // str conn, conninfo, str state bytes
  close = 3,      // u64 session, str reason
  bytes = 4,      // u64 session, str data
  messages = 5,   // u64 session, u32 count, count * message
  keepalive = 6,  // u64 session
  timer = 7,      // u64 session, u64 timer id, u64 tag
  result = 8,     // u64 session, u64 request id, i32 kind, i32 code, str message
  export_ = 9,    // u64 session
  // Hooks of one session the host had queued, in one frame: u64 session, u32 n, then n times
  // u8 op (bytes, messages or result) and that op's fields after its session. The child runs them
  // in order, each answered by its own `done`, and stops after the first that does not return OK.
  queued = 10,
  // child -> host during a hook
  call = 20,  // u8 HostFn, u64 the id the codec got (0: refused in the child), arguments (HostFn)
  log = 21,   // i32 level, str text (session_log; no answer)
  done = 22,  // i32 status, u64 session (open/import: the child's session handle; else 0)
  // host -> child: the answer to `call`
  reply = 30,  // u64 value (state_write only)
  // control channel
  create = 40,   // host -> child: str route config JSON
  created = 41,  // child -> host: i32 status, str reason
  destroy = 42,  // host -> child: on_codec_destroy, then exit
};

// The host function a `call` frame stands for, and its arguments after the id.
enum class HostFn : uint8_t {
  send = 1,             // str data
  close = 2,            //
  authenticate = 3,     // str proto_name, proto_ver, clientid, username, mountpoint, password
  start_keepalive = 4,  // u32 interval_s
  publish = 5,          // str topic, u32 qos, str payload
  raw_publish = 6,      // str topic, u32 qos, str payload
  subscribe = 7,        // str filter, u32 qos
  unsubscribe = 8,      // str filter
  timer_start = 9,      // u64 delay_ms, u64 tag (id: the timer id)
  timer_cancel = 10,    // (id: the timer id, running as the child counts it)
  state_write = 11,     // str chunk (export only; id 0) -> reply 1 or 0
};

// Appends one frame to its own buffer or to the end of another (several frames, one write);
// finish() fills in the length.
class FrameWriter {
 public:
  // A hook frame with its event is usually a few hundred bytes: one allocation, not a regrowth
  // per field.
  explicit FrameWriter(Op op) : buf_(own_) {
    own_.reserve(256);
    begin(op);
  }
  FrameWriter(Op op, std::string& out) : buf_(out) { begin(op); }
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;
  FrameWriter& u8(uint8_t v) { return raw(&v, 1); }
  FrameWriter& u32(uint32_t v) { return raw(&v, 4); }
  FrameWriter& i32(int32_t v) { return raw(&v, 4); }
  FrameWriter& u64(uint64_t v) { return raw(&v, 8); }
  FrameWriter& str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    buf_.append(s.data(), s.size());
    return *this;
  }
  // The frame ready to write (a view of this frame only).
  std::string_view finish() {
    const auto body = static_cast<uint32_t>(buf_.size() - start_ - 4);
    std::memcpy(buf_.data() + start_, &body, 4);
    return std::string_view(buf_).substr(start_);
  }

 private:
  void begin(Op op) {
    start_ = buf_.size();
    buf_.resize(start_ + 4);
    u8(static_cast<uint8_t>(op));
  }
  FrameWriter& raw(const void* p, std::size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string own_;
  std::string& buf_;
  std::size_t start_ = 0;
};

// Reads the fields of one frame body. A read past the end yields zeros and makes ok() false, so a
// caller checks once after reading every field.
class FrameReader {
 public:
  explicit FrameReader(std::string_view body) : rest_(body) {}
  Op op() { return static_cast<Op>(u8()); }
  uint8_t u8() { return fixed<uint8_t>(); }
  uint32_t u32() { return fixed<uint32_t>(); }
  int32_t i32() { return fixed<int32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
  std::string_view str() {
    const uint32_t n = u32();
    if (!ok_ || n > rest_.size()) {
      ok_ = false;
      return {};
    }
    const auto s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }
  bool ok() const { return ok_; }
  // True when every byte was read and nothing was missing: a frame with trailing garbage is as
  // suspect as a short one.
  bool complete() const { return ok_ && rest_.empty(); }

 private:
  template <class T>
  T fixed() {
    T v{};
    if (!ok_ || rest_.size() < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return v;
  }
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace exproto::host::ipc
