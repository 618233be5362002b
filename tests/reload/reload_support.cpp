#include "reload_support.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <set>

namespace rtest {

namespace host = exproto::host;

std::filesystem::path fixture(const std::string& variant) {
  return std::filesystem::path(EXPROTO_FIXTURE_DIR) / ("counter_" + variant) / "counter.so";
}

PluginsDir::PluginsDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "exproto-reload-XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  path_ = templ;
  std::filesystem::copy_file(fixture("v1"), codec_file());
}

PluginsDir::~PluginsDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void PluginsDir::install_by_rename(const std::string& variant) {
  const auto temp = path_ / ".counter.so.partial";
  std::filesystem::copy_file(fixture(variant), temp, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(temp, codec_file());
}

void PluginsDir::install_in_place(const std::string& variant) {
  std::filesystem::copy_file(fixture(variant), codec_file(), std::filesystem::copy_options::overwrite_existing);
}

itest::StackSpec counter_stack(const PluginsDir& dir, host::ReloadPolicy policy, uint32_t drain_deadline_ms) {
  itest::StackSpec spec;
  spec.routes = {itest::RouteSpec{0, "counter"}};
  spec.tweak_host = [plugins = dir.path(), policy, drain_deadline_ms](host::Config& c) {
    c.plugins.dir = plugins;
    c.plugins.debounce_ms = 100;
    c.routes[0].reload = policy;
    c.routes[0].drain_deadline_ms = drain_deadline_ms;
  };
  return spec;
}

std::filesystem::path shipped_codec(const std::string& codec) {
  return std::filesystem::path(EXPROTO_PLUGINS_DIR) / (codec + ".so");
}

itest::StackSpec shipped_stack(const PluginsDir& dir, const std::string& codec, host::ReloadPolicy policy,
                               uint32_t drain_deadline_ms) {
  std::filesystem::copy_file(shipped_codec(codec), dir.path() / (codec + ".so"));
  itest::StackSpec spec = counter_stack(dir, policy, drain_deadline_ms);
  spec.routes = {itest::RouteSpec{0, codec}};
  return spec;
}

std::optional<host::CodecStatus> codec_status(host::App& app, const std::string& name) {
  for (auto& c : app.reloader().status())
    if (c.name == name) return c;
  return std::nullopt;
}

bool wait_current(host::App& app, const std::string& version, std::chrono::milliseconds timeout) {
  return itest::wait_until(
      [&] {
        auto c = codec_status(app);
        return c && !c->generations.empty() && c->generations.back().version == version;
      },
      timeout);
}

bool wait_generation_state(host::App& app, uint64_t number, const std::string& state,
                           std::chrono::milliseconds timeout, const std::string& codec) {
  return itest::wait_until(
      [&] {
        auto c = codec_status(app, codec);
        if (!c) return false;
        for (const auto& g : c->generations)
          if (g.number == number) return g.state == state;
        return false;
      },
      timeout);
}

bool Device::exchange(int n) {
  std::string lines;
  for (int i = 0; i < n; ++i) lines += std::to_string(next_ + i) + "\n";
  tcp_.write(lines);
  for (int i = 0; i < n; ++i) {
    auto line = tcp_.read_line();
    if (!line) {
      error_ = "no answer for line " + std::to_string(next_);
      return false;
    }
    const auto colon = line->find(':');
    const std::string expected_tail = std::to_string(next_) + " " + std::to_string(next_);
    if (colon == std::string::npos || line->substr(colon + 1) != expected_tail) {
      error_ = "line " + std::to_string(next_) + ": got \"" + *line + "\", expected \"vX:" + expected_tail + "\"";
      return false;
    }
    const std::string prefix = line->substr(0, colon);
    if (prefix == "v1" && last_prefix_ == "v2") ++reversals_;
    last_prefix_ = prefix;
    (prefix == "v1" ? v1_ : v2_) += 1;
    ++next_;
  }
  return true;
}

std::string Device::check_results(std::chrono::milliseconds timeout) {
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    tcp_.write("RESULTS\n");
    auto line = tcp_.read_line();
    if (!line) return "no answer to RESULTS";
    last = *line;
    const auto at = line->find("results ");
    if (at == std::string::npos) return "unexpected answer " + *line;
    uint64_t results = 0, sends = 0;
    if (std::sscanf(line->c_str() + at, "results %lu of %lu", &results, &sends) != 2) return "unparsable " + *line;
    if (results > sends) return "more results than sends: " + *line;
    if (results == sends) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "results still missing: " + last;
}

uint64_t Device::answered_by(const std::string& prefix) const { return prefix == "v1" ? v1_ : v2_; }

Load::Load(uint16_t port, int devices, int pipeline) : per_device_(devices) {
  for (int i = 0; i < devices; ++i) devices_.push_back(std::make_unique<Device>(port));
  for (int i = 0; i < devices; ++i) {
    threads_.emplace_back([this, i, pipeline](std::stop_token st) {
      auto& d = *devices_[i];
      while (!st.stop_requested()) {
        if (!d.exchange(pipeline)) {
          std::lock_guard lk(mu_);
          errors_.push_back("device " + std::to_string(i) + ": " + d.error());
          return;
        }
        per_device_[i].fetch_add(pipeline);
        answered_.fetch_add(pipeline);
      }
    });
  }
}

Load::~Load() { stop(); }

std::vector<std::string> Load::check_results() {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    auto p = devices_[i]->check_results();
    if (!p.empty()) problems.push_back("device " + std::to_string(i) + ": " + p);
  }
  return problems;
}

uint64_t Load::reversals() const {
  uint64_t n = 0;
  for (const auto& d : devices_) n += d->reversals();
  return n;
}

bool Load::all_last(const std::string& prefix) const {
  for (const auto& d : devices_)
    if (d->last_prefix() != prefix) return false;
  return true;
}

std::size_t mapped_counter_images() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> paths;
  std::string line;
  while (std::getline(maps, line)) {
    const auto at = line.find('/');
    if (at == std::string::npos) continue;
    std::string path = line.substr(at);
    if (path.ends_with(" (deleted)")) path.resize(path.size() - 10);
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.starts_with("counter.") && name != "counter.so") paths.insert(path);
  }
  return paths.size();
}

void Load::stop() {
  for (auto& t : threads_) t.request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

std::vector<std::string> Load::errors() const {
  std::lock_guard lk(mu_);
  return errors_;
}

uint64_t Load::answered_by(const std::string& prefix) const {
  uint64_t n = 0;
  for (const auto& d : devices_) n += d->answered_by(prefix);
  return n;
}

bool Load::wait_progress(uint64_t n, std::chrono::milliseconds timeout) {
  std::vector<uint64_t> base;
  for (auto& c : per_device_) base.push_back(c.load());
  return itest::wait_until(
      [&] {
        if (!errors().empty()) return true;
        for (std::size_t i = 0; i < base.size(); ++i)
          if (per_device_[i].load() < base[i] + n) return false;
        return true;
      },
      timeout);
}

}  // namespace rtest
