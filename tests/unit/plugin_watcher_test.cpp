// The plugins-folder watcher: one report per quiet file, only for *.so, for in-place writes and
// for renames into the folder.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "host/metrics/metrics.h"
#include "host/reload/control_thread.h"
#include "host/reload/plugin_watcher.h"

using namespace std::chrono_literals;
using exproto::host::ControlThread;
using exproto::host::Metrics;
using exproto::host::PluginWatcher;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "exproto-watch-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

struct Seen {
  std::mutex mu;
  std::vector<std::string> files;
  std::size_t size() {
    std::lock_guard lk(mu);
    return files.size();
  }
};

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("plugin watcher: writes coalesce into one report after the quiet time, other files are ignored") {
  TempDir dir;
  Seen seen;
  Metrics metrics;
  auto w = PluginWatcher::start(
      dir.path, 150ms,
      [&](const std::filesystem::path& f, auto) {
        std::lock_guard lk(seen.mu);
        seen.files.push_back(f.filename().string());
      },
      metrics);
  REQUIRE(w.has_value());
  for (int i = 0; i < 3; ++i) {  // three separate writes of one file, 30 ms apart
    std::ofstream(dir.path / "codec.so", std::ios::app) << "chunk" << i;
    std::this_thread::sleep_for(30ms);
  }
  std::ofstream(dir.path / "notes.txt") << "ignored";
  REQUIRE(wait_for([&] { return seen.size() == 1; }));
  std::this_thread::sleep_for(300ms);
  CHECK(seen.size() == 1);
  CHECK(seen.files[0] == "codec.so");

  std::ofstream(dir.path / ".tmp") << "new";
  std::filesystem::rename(dir.path / ".tmp", dir.path / "other.so");
  REQUIRE(wait_for([&] { return seen.size() == 2; }));
  CHECK(seen.files[1] == "other.so");
}

TEST_CASE("plugin watcher: a rename into the folder is reported at once, an in-place write only after the quiet time") {
  TempDir dir;
  Seen seen;
  std::vector<std::chrono::steady_clock::time_point> landed;
  Metrics metrics;
  auto w = PluginWatcher::start(
      dir.path, 2000ms,
      [&](const std::filesystem::path& f, auto at) {
        std::lock_guard lk(seen.mu);
        seen.files.push_back(f.filename().string());
        landed.push_back(at);
      },
      metrics);
  REQUIRE(w.has_value());
  const auto before = std::chrono::steady_clock::now();
  std::ofstream(dir.path / ".tmp") << "new";
  std::filesystem::rename(dir.path / ".tmp", dir.path / "moved.so");
  // Far below the 2 s quiet time: the rename was not debounced.
  REQUIRE(wait_for([&] { return seen.size() == 1; }, 1000ms));
  CHECK(seen.files[0] == "moved.so");
  CHECK(landed[0] >= before);

  std::ofstream(dir.path / "written.so") << "in place";
  std::this_thread::sleep_for(500ms);
  CHECK(seen.size() == 1);  // still inside its quiet time
  REQUIRE(wait_for([&] { return seen.size() == 2; }, 5s));
  CHECK(seen.files[1] == "written.so");
  CHECK(landed[1] < std::chrono::steady_clock::now() - 1500ms);  // reported a quiet time after it landed
}

TEST_CASE("plugin watcher: a missing folder is an error naming it") {
  Metrics metrics;
  auto w = PluginWatcher::start("/nonexistent/exproto-plugins", 100ms, [](const std::filesystem::path&, auto) {},
                                metrics);
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().find("cannot watch /nonexistent/exproto-plugins") == 0);
  CHECK(metrics.plugin_watcher_running.get() == 0);
}

TEST_CASE("plugin watcher: the folder moved away or removed is counted, and watching stops") {
  using Problem = Metrics::WatcherProblem;
  const auto gone = [](const Metrics& m) {
    return m.plugin_watcher_problems[static_cast<std::size_t>(Problem::folder_gone)].get();
  };
  SUBCASE("moved away") {
    TempDir dir;
    Metrics metrics;
    auto w = PluginWatcher::start(dir.path, 100ms, [](const std::filesystem::path&, auto) {}, metrics);
    REQUIRE(w.has_value());
    CHECK(metrics.plugin_watcher_running.get() == 1);
    const auto moved = dir.path.string() + ".moved";
    std::filesystem::rename(dir.path, moved);
    REQUIRE(wait_for([&] { return metrics.plugin_watcher_running.get() == 0; }));
    CHECK(gone(metrics) == 1);
    std::filesystem::rename(moved, dir.path);  // for TempDir's clean-up
  }
  SUBCASE("removed") {
    TempDir dir;
    Metrics metrics;
    auto w = PluginWatcher::start(dir.path, 100ms, [](const std::filesystem::path&, auto) {}, metrics);
    REQUIRE(w.has_value());
    std::filesystem::remove_all(dir.path);
    REQUIRE(wait_for([&] { return metrics.plugin_watcher_running.get() == 0; }));
    CHECK(gone(metrics) == 1);  // once, though inotify reports both IN_DELETE_SELF and IN_IGNORED
    w->reset();                 // the destructor still ends cleanly after the thread stopped
  }
}

TEST_CASE("control thread: jobs run in order on one thread, call() returns results, ticks happen") {
  std::atomic<int> ticks{0};
  ControlThread control(20ms, [&] { ++ticks; });
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) control.post([&order, i] { order.push_back(i); });
  const bool on_it = control.call([&] { return control.on_control_thread(); });
  CHECK(on_it);
  CHECK_FALSE(control.on_control_thread());
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(wait_for([&] { return ticks.load() >= 3; }));
}
