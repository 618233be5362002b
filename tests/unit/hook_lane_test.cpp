// Hook lanes (host/isolation/hook_lane.h) against a stand-in child on real pipes: hooks go out
// without the sender waiting, answers come back to each session in the order sent, a frame larger
// than the pipe never blocks the sender, and a child that overruns, closes or writes garbage fails
// everything waiting on the lane.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host/isolation/hook_lane.h"
#include "host/isolation/ipc_frame.h"
#include "host/metrics/metrics.h"
#include "host/os/unique_fd.h"

using namespace exproto::host;
using namespace std::chrono_literals;

namespace {

// Both ends of a lane: the host's (given to the HookLane) and the child's (played by the test).
struct LanePipes {
  std::unique_ptr<ipc::Channel> host;
  std::unique_ptr<ipc::Channel> child;
  LanePipes() {
    int down[2];
    int up[2];
    REQUIRE(::pipe2(down, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
    host = std::make_unique<ipc::Channel>(UniqueFd(up[0]), UniqueFd(down[1]), true);
    child = std::make_unique<ipc::Channel>(UniqueFd(down[0]), UniqueFd(up[1]), false);
  }
};

// Records each waiter's statuses in the order the lane hands them over.
struct Record {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::vector<exproto_type_status>>> done;

  std::size_t count() {
    std::lock_guard lk(mu);
    return done.size();
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, limit, [&] { return done.size() >= n; });
  }
};

class Waiter final : public HookWaiter {
 public:
  Waiter(Record& record, std::string name) : record_(record), name_(std::move(name)) {}
  void calls_on_this_thread(bool) override {}
  void hooks_done(std::span<const exproto_type_status> statuses) override {
    std::lock_guard lk(record_.mu);
    record_.done.emplace_back(name_, std::vector<exproto_type_status>(statuses.begin(), statuses.end()));
    record_.cv.notify_all();
  }

 private:
  Record& record_;
  std::string name_;
};

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string frame_of(std::size_t payload_bytes) {
  ipc::FrameWriter f(ipc::Op::queued);
  f.str(std::string(payload_bytes, 'x'));
  return std::string(f.finish());
}

std::string done_frame(exproto_type_status status) {
  ipc::FrameWriter f(ipc::Op::done);
  f.i32(status).u64(0);
  return std::string(f.finish());
}

struct LaneFixture {
  Metrics metrics;
  HookEnv env;
  Record record;
  LanePipes pipes;
  std::unique_ptr<HookLane> lane;

  explicit LaneFixture(std::chrono::milliseconds timeout = 5000ms)
      : env{nullptr, &metrics, timeout},
        lane(std::make_unique<HookLane>(std::weak_ptr<RunnerChild>{}, std::move(pipes.host), 10ms, ipc::kAnyCpu)) {}

  bool submit(const std::string& name, std::size_t hooks, std::size_t payload = 16) {
    LaneHooks h{HookTarget{}, &env, std::vector<const char*>(hooks, "on_session_bytes"),
                std::make_shared<Waiter>(record, name)};
    return lane->submit(frame_of(payload), std::move(h));
  }
  // The child reads one hook frame; its body length, or nothing when the lane closed.
  std::optional<std::size_t> child_reads() {
    std::string_view body;
    if (pipes.child->read(body) != ipc::Channel::Read::frame) return std::nullopt;
    return body.size();
  }
  void child_answers(exproto_type_status status) { REQUIRE(pipes.child->write(done_frame(status))); }
};

}  // namespace

TEST_CASE("hook lane: hooks go out without the sender waiting and each session gets its statuses in the order sent") {
  LaneFixture f;
  // Nothing reads the child's end yet: the three submits return all the same.
  REQUIRE(f.submit("a", 2));
  REQUIRE(f.submit("b", 2));
  REQUIRE(f.submit("c", 1));
  CHECK(f.lane->waiting() == 3);
  CHECK(f.record.count() == 0);
  for (int i = 0; i < 3; ++i) REQUIRE(f.child_reads().has_value());
  f.child_answers(EXPROTO_STATUS_OK);
  f.child_answers(EXPROTO_STATUS_OK);  // a: both hooks ran
  f.child_answers(EXPROTO_STATUS_INVALID_INPUT);  // b: the first failed, the child ran no more of b
  f.child_answers(EXPROTO_STATUS_OK);  // c
  REQUIRE(f.record.wait_for(3));
  std::lock_guard lk(f.record.mu);
  REQUIRE(f.record.done.size() == 3);
  CHECK(f.record.done[0] == std::pair<std::string, std::vector<exproto_type_status>>{"a", {0, 0}});
  CHECK(f.record.done[1] ==
        std::pair<std::string, std::vector<exproto_type_status>>{"b", {EXPROTO_STATUS_INVALID_INPUT, kHookNotRun}});
  CHECK(f.record.done[2] == std::pair<std::string, std::vector<exproto_type_status>>{"c", {0}});
  CHECK(f.lane->waiting() == 0);
}

TEST_CASE("hook lane: a frame larger than the pipe does not block the sender, and arrives whole") {
  LaneFixture f;
  constexpr std::size_t kBig = 3 * 1024 * 1024;  // a pipe holds 64 KiB by default
  REQUIRE(f.submit("big", 1, kBig));             // returns with most of it still in the lane's buffer
  REQUIRE(f.submit("small", 1));
  // While the child does not read, the lane's reader waits for room instead of retrying the write:
  // this process spends next to no CPU meanwhile (a retry loop would spend most of the 500 ms).
  const double before = cpu_seconds();
  std::this_thread::sleep_for(500ms);
  CHECK(cpu_seconds() - before < 0.1);
  const auto first = f.child_reads();
  REQUIRE(first.has_value());
  CHECK(*first == ipc::FrameWriter(ipc::Op::queued).str(std::string(kBig, 'x')).finish().size() - 4);
  REQUIRE(f.child_reads().has_value());
  f.child_answers(EXPROTO_STATUS_OK);
  f.child_answers(EXPROTO_STATUS_OK);
  REQUIRE(f.record.wait_for(2));
  std::lock_guard lk(f.record.mu);
  CHECK(f.record.done[0].first == "big");
  CHECK(f.record.done[1].first == "small");
}

TEST_CASE("hook lane: a hook past sessions.hook_timeout_ms fails it and every session waiting behind it") {
  LaneFixture f(150ms);
  REQUIRE(f.submit("stuck", 2));
  REQUIRE(f.submit("behind", 1));
  REQUIRE(f.child_reads().has_value());
  f.child_answers(EXPROTO_STATUS_OK);  // the first hook of "stuck" returned; the second never does
  REQUIRE(f.record.wait_for(2));
  {
    std::lock_guard lk(f.record.mu);
    CHECK(f.record.done[0] ==
          std::pair<std::string, std::vector<exproto_type_status>>{"stuck", {0, EXPROTO_STATUS_ERROR}});
    CHECK(f.record.done[1] == std::pair<std::string, std::vector<exproto_type_status>>{"behind", {EXPROTO_STATUS_ERROR}});
  }
  CHECK(f.metrics.isolated_hook_timeouts.get() == 1);
  CHECK_FALSE(f.submit("after", 1));  // the lane is closed: nothing more goes to that child
}

TEST_CASE("hook lane: the child's end closing fails every waiting session, with no timeout counted") {
  LaneFixture f;
  REQUIRE(f.submit("a", 1));
  REQUIRE(f.submit("b", 3));
  REQUIRE(f.child_reads().has_value());
  f.pipes.child.reset();  // the child died
  REQUIRE(f.record.wait_for(2));
  std::lock_guard lk(f.record.mu);
  CHECK(f.record.done[0] == std::pair<std::string, std::vector<exproto_type_status>>{"a", {EXPROTO_STATUS_ERROR}});
  CHECK(f.record.done[1] == std::pair<std::string, std::vector<exproto_type_status>>{
                                "b", {EXPROTO_STATUS_ERROR, kHookNotRun, kHookNotRun}});
  CHECK(f.metrics.isolated_hook_timeouts.get() == 0);
}

TEST_CASE("hook lane: a frame that is no answer fails the waiting session and closes the lane") {
  LaneFixture f;
  REQUIRE(f.submit("a", 2));
  REQUIRE(f.child_reads().has_value());
  f.child_answers(EXPROTO_STATUS_OK);
  ipc::FrameWriter garbage(ipc::Op::created);  // a control frame, on a hook lane
  garbage.i32(0).str("");
  REQUIRE(f.pipes.child->write(garbage.finish()));
  REQUIRE(f.record.wait_for(1));
  {
    std::lock_guard lk(f.record.mu);
    CHECK(f.record.done[0] == std::pair<std::string, std::vector<exproto_type_status>>{"a", {0, EXPROTO_STATUS_ERROR}});
  }
  CHECK_FALSE(f.submit("after", 1));
}
