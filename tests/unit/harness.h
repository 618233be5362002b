// A host core without gRPC: the real dispatcher, sessions, pool and timers, the unit echo codec,
// and an Upstream fake that records calls and answers them automatically or on demand.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/metrics/metrics.h"
#include "host/registry/codec_instance.h"
#include "host/session/dispatcher.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"
#include "host/upstream/upstream.h"

namespace exproto::host::test {

struct RecordedCall {
  int32_t kind;
  std::string conn;
  std::string data;
  std::string topic;
};

class FakeUpstream : public Upstream {
 public:
  // auto_answer: answer each call at once with `answer_code`; else hold it until answer_next().
  bool auto_answer = true;
  int32_t answer_code = EXPROTO_RESULT_SUCCESS;

  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;
  // Answers the oldest held call; false if none arrives within the timeout.
  bool answer_next(int32_t code = EXPROTO_RESULT_SUCCESS, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::size_t held() const;

  std::vector<RecordedCall> calls() const;
  // Waits until `pred(calls)` holds; false on timeout.
  bool wait(const std::function<bool(const std::vector<RecordedCall>&)>& pred,
            std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // The data of Send calls for `conn`, in order.
  std::vector<std::string> sends(const std::string& conn) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RecordedCall> calls_;
  std::deque<std::function<void(UpstreamResult)>> held_;
};

struct Harness {
  explicit Harness(SessionsConfig limits = {}, std::size_t workers = 4);
  ~Harness();

  void create(const std::string& conn, uint32_t peer_port = 1000, Origin origin = Origin::unary,
              uint32_t sock_port = 7993);
  void bytes(const std::string& conn, const std::string& data, Origin origin = Origin::unary);
  // Like bytes(), but reports whether the Ack was answered by the time the call returned, and how.
  struct AckState {
    std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
    std::shared_ptr<int> state = std::make_shared<int>(0);  // 0 pending, 1 ok, 2 failed
    int get() const {
      std::lock_guard lk(*mu);
      return *state;
    }
  };
  AckState bytes_tracked(const std::string& conn, const std::string& data, Origin origin = Origin::unary);
  void closed(const std::string& conn, const std::string& reason = "{shutdown,tcp_closed}");

  Metrics metrics;
  FakeUpstream upstream;
  std::unique_ptr<TimerService> timers;
  std::unique_ptr<WorkerPool> pool;
  std::shared_ptr<const CodecLibrary> library;
  std::unique_ptr<Dispatcher> dispatcher;
  // What SessionEnv::reprobe calls (a test points it at its Reconciler).
  std::shared_ptr<std::function<void(std::weak_ptr<Session>)>> reprobe =
      std::make_shared<std::function<void(std::weak_ptr<Session>)>>();
};

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace exproto::host::test
