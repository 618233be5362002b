// The answer owed to the transport for one event (unary: finish the RPC; streaming: read the next
// message). Move-only and fires exactly once: if it is dropped unanswered, the destructor answers
// OK, so no EMQX call can be left hanging by a forgotten path.
#pragma once

#include <functional>
#include <string>
#include <utility>

namespace exproto::host {

class Ack {
 public:
  // `ok` false: the transport should fail the call with `error` (only the unary service can).
  using Fn = std::function<void(bool ok, const std::string& error)>;

  Ack() = default;
  explicit Ack(Fn fn) : fn_(std::move(fn)) {}
  Ack(Ack&& o) noexcept : fn_(std::exchange(o.fn_, nullptr)) {}
  Ack& operator=(Ack&& o) noexcept {
    if (this != &o) {
      ok();
      fn_ = std::exchange(o.fn_, nullptr);
    }
    return *this;
  }
  Ack(const Ack&) = delete;
  Ack& operator=(const Ack&) = delete;
  ~Ack() { ok(); }

  void ok() { fire(true, {}); }
  void fail(const std::string& error) { fire(false, error); }
  explicit operator bool() const { return static_cast<bool>(fn_); }

 private:
  void fire(bool ok, const std::string& error) {
    if (auto fn = std::exchange(fn_, nullptr)) fn(ok, error);
  }
  Fn fn_;
};

}  // namespace exproto::host
