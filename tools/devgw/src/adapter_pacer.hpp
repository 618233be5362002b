// When ConnectionAdapter calls are carried out: at once, after a delay, or not until a stall is
// lifted. One FIFO for all calls, so answers keep their arrival order whatever the knobs do (a
// conn process answers its mailbox in order). I/O thread only; nothing here blocks it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>

namespace exproto::devgw {

class AdapterPacer {
 public:
  /// Carries the call out and finishes its RPC.
  using Run = std::function<void()>;
  /// Finishes its RPC without carrying the call out (the gateway is going away).
  using Abandon = std::function<void()>;

  AdapterPacer(boost::asio::io_context& io, std::chrono::milliseconds delay);

  /// A call that just arrived: runs now if nothing is held and there is no delay, else queues it.
  void submit(Run run, Abandon abandon);
  /// Applies to calls submitted afterwards; queued calls keep their due time.
  void set_delay(std::chrono::milliseconds delay);
  /// While stalled nothing runs; lifting it runs every call that is due, in order.
  void set_stalled(bool stalled);
  /// Abandons every queued call and every later submit (stop/crash). Irreversible.
  void close();

  std::chrono::milliseconds delay() const { return delay_; }
  bool stalled() const { return stalled_; }
  std::size_t held() const { return queue_.size(); }

 private:
  struct Held {
    std::chrono::steady_clock::time_point due;
    Run run;
    Abandon abandon;
  };
  /// Runs the due calls at the head of the queue, then waits for the next one.
  void pump();

  boost::asio::steady_timer timer_;
  std::deque<Held> queue_;
  std::chrono::milliseconds delay_;
  bool stalled_ = false;
  bool closed_ = false;
};

}  // namespace exproto::devgw
