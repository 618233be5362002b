#include "host/reload/reloader.h"

#include <spdlog/spdlog.h>

#include <unordered_map>

#include "host/metrics/metrics.h"
#include "host/registry/codec_instance.h"
#include "host/registry/codec_library.h"
#include "host/registry/codec_registry.h"
#include "host/registry/mapped_image.h"
#include "host/reload/migration_timer.h"
#include "host/session/dispatcher.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {

constexpr std::chrono::milliseconds kTick{100};
// Unloaded generations kept in the status history of one codec.
constexpr std::size_t kHistory = 8;

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool can_migrate(const CodecInstance& from, const CodecInstance& to) {
  return from.hooks().on_session_export != nullptr && to.hooks().on_session_import != nullptr;
}

}  // namespace

Reloader::Reloader(CodecRegistry& registry, Dispatcher& dispatcher, Metrics& metrics, PluginsConfig plugins,
                   InstancePolicy instances)
    : registry_(registry),
      dispatcher_(dispatcher),
      metrics_(metrics),
      plugins_(std::move(plugins)),
      instances_(std::move(instances)),
      control_(kTick, [this] { tick(); }) {}

std::expected<std::shared_ptr<CodecInstance>, std::string> Reloader::make_instance(
    const std::shared_ptr<const CodecLibrary>& library, const Route& route) {
  auto instance = instances_.create ? instances_.create(library, route)
                                    : CodecInstance::create(library, registry_.api(), route.config_json);
  if (!instance) return instance;
  // Labelled before any route table shows it, so its sessions' series never lack them.
  (*instance)->set_route_label(route_label(route.listener));
  (*instance)->set_generation(generation_number(*library));
  return instance;
}

uint64_t Reloader::generation_number(const CodecLibrary& library) const {
  auto c = codecs_.find(library.name());
  if (c == codecs_.end()) return 1;
  for (const auto& g : c->second.generations) {
    if (g.library.lock().get() == &library) return g.number;
  }
  return c->second.next_number;  // being loaded: record() gives it this number
}

Reloader::~Reloader() = default;

void Reloader::adopt() {
  control_.call([this] {
    const auto routes = dispatcher_.routes();
    for (const auto& lib : registry_.all()) {
      std::vector<std::pair<ListenerKey, std::shared_ptr<CodecInstance>>> instances;
      for (const auto& e : routes->entries()) {
        if (&e.codec->library() == lib.get()) instances.emplace_back(e.listener, e.codec);
      }
      record(lib, std::move(instances), lib->source().string());
    }
    return 0;
  });
}

Reloader::Generation& Reloader::record(const std::shared_ptr<const CodecLibrary>& lib,
                                       std::vector<std::pair<ListenerKey, std::shared_ptr<CodecInstance>>> instances,
                                       const std::string& source) {
  auto& codec = codecs_[lib->name()];
  if (!codec.generations.empty()) codec.generations.back().info.state = "retired";
  Generation g;
  g.number = codec.next_number++;
  g.library = lib;
  g.instances = std::move(instances);
  for (const auto& [listener, instance] : g.instances) instance->set_generation(g.number);
  g.private_path = lib->private_path();
  g.archive_path = lib->archive_path();
  const auto& d = lib->descriptor();
  g.info = GenerationStatus{g.number,
                            lib->version(),
                            lib->vendor(),
                            d.abi_major,
                            d.abi_minor,
                            lib->sha256(),
                            source,
                            unix_ms_now(),
                            "current",
                            0,
                            d.on_session_export != nullptr && d.on_session_import != nullptr,
                            lib->signer()};
  metrics_.codec_loads.inc();
  codec.generations.push_back(std::move(g));
  return codec.generations.back();
}

std::expected<std::string, std::string> Reloader::reload_file(const std::filesystem::path& file) {
  return control_.call([&] { return load_now(file, file.string()); });
}

void Reloader::file_changed(const std::filesystem::path& file, std::chrono::steady_clock::time_point landed) {
  control_.post([this, file, landed] {
    auto done = load_now(file, file.string(), landed);
    if (done) spdlog::info("plugins folder: {}: {}", file.string(), *done);
  });
}

std::expected<std::string, std::string> Reloader::reload(const std::string& name) {
  return control_.call([&]() -> std::expected<std::string, std::string> {
    auto current = registry_.find(name);
    if (!current) return std::unexpected("no codec named '" + name + "' is loaded");
    return load_now(current->source(), current->source().string());
  });
}

std::expected<std::string, std::string> Reloader::rollback(const std::string& name) {
  return control_.call([&] { return rollback_now(name); });
}

std::expected<std::string, std::string> Reloader::rollback_now(const std::string& name) {
  auto it = codecs_.find(name);
  if (it == codecs_.end() || it->second.generations.empty()) {
    return std::unexpected("no codec named '" + name + "' is loaded");
  }
  const auto& gens = it->second.generations;
  const auto& current = gens.back();
  // The newest earlier generation with other bytes than the current one.
  for (auto g = gens.rbegin() + 1; g != gens.rend(); ++g) {
    if (g->info.sha256 == current.info.sha256) continue;
    if (g->archive_path.empty() || !std::filesystem::exists(g->archive_path)) {
      return std::unexpected(fmt::format("generation {} of '{}' cannot be loaded again (its bytes were not kept)",
                                         g->number, name));
    }
    // A copy: loading records a generation, which may move the one `g` points at.
    const std::filesystem::path bytes = g->archive_path;
    return load_now(bytes, fmt::format("rollback to generation {} ({})", g->number, g->info.source));
  }
  return std::unexpected("codec '" + name + "' has no earlier generation to roll back to");
}

void Reloader::roll_back_crashing() {
  if (instances_.rollback_crashes == 0) return;
  struct Decision {
    std::string codec;
    uint64_t generation;
    std::string reason;
    std::string source;
  };
  std::vector<Decision> decisions;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name, c] : codecs_) {
    if (c.generations.size() < 2) continue;  // nothing to go back to
    const auto& g = c.generations.back();
    if (g.info.state != "current" || g.automatic_rollback || now - g.swapped_at > instances_.rollback_window) continue;
    uint32_t deaths = 0;
    std::string last;
    for (const auto& [listener, instance] : g.instances) {
      const auto* runner = instance->runner();
      if (runner == nullptr) continue;
      const auto faults = runner->faults();
      for (const auto t : faults.deaths) deaths += t >= g.swapped_at && t - g.swapped_at <= instances_.rollback_window;
      if (!faults.last_reason.empty()) last = faults.last_reason;
    }
    if (deaths < instances_.rollback_crashes) continue;
    decisions.push_back(Decision{
        name, g.number,
        fmt::format("generation {} ({}) rolled back automatically: its isolated child died {} times within {} ms of "
                    "the reload (last: {})",
                    g.number, g.info.version, deaths, instances_.rollback_window.count(), last),
        g.info.source});
  }
  // After the scan: a rollback records a generation, which moves the vectors scanned above.
  for (const auto& d : decisions) {
    auto done = rollback_now(d.codec);
    auto& c = codecs_[d.codec];
    if (!done) {
      spdlog::error("codec '{}': {}; but the rollback failed: {}", d.codec, d.reason, done.error());
      // Do not try again every tick: the failing generation stays, marked like a rollback.
      if (!c.generations.empty()) c.generations.back().automatic_rollback = true;
      continue;
    }
    metrics_.isolated_rollbacks.inc();
    c.generations.back().automatic_rollback = true;
    c.last_failure = d.reason;
    c.last_failure_file = d.source;
    c.last_failure_at_ms = unix_ms_now();
    spdlog::error("codec '{}': {}; now {}", d.codec, d.reason, *done);
  }
}

std::unexpected<std::string> Reloader::failed(const std::string& codec, const std::filesystem::path& file,
                                              const std::string& reason) {
  auto& c = codecs_[codec];
  c.last_failure = reason;
  c.last_failure_file = file.string();
  c.last_failure_at_ms = unix_ms_now();
  metrics_.codec_load_failures.inc();
  const std::string serving =
      c.generations.empty() ? std::string("nothing changes")
                            : fmt::format("generation {} ({}) keeps serving", c.generations.back().number,
                                          c.generations.back().info.version);
  spdlog::error("reload of codec '{}' from {} failed: {}; {}", codec, file.string(), reason, serving);
  return std::unexpected(reason);
}

std::expected<std::string, std::string> Reloader::load_now(const std::filesystem::path& file,
                                                           const std::string& label,
                                                           std::chrono::steady_clock::time_point landed) {
  using std::chrono::microseconds;
  const auto started = std::chrono::steady_clock::now();
  LoadRefusal refusal = LoadRefusal::file;
  auto loaded = registry_.load(file, &refusal);
  if (!loaded) {
    metrics_.count_refused(refusal);
    // Not loadable: attribute the failure to the codec this file served, else to the file's stem.
    std::string name = file.stem().string();
    for (const auto& [n, c] : codecs_) {
      if (!c.generations.empty() && c.generations.back().info.source == file.string()) name = n;
    }
    return failed(name, file, loaded.error());
  }
  std::shared_ptr<const CodecLibrary> lib = std::move(*loaded);
  const std::string& name = lib->name();
  auto current = registry_.find(name);
  if (current && current->sha256() == lib->sha256()) return std::string("unchanged");

  // One new instance per route of this codec, with that route's config.
  auto mark = std::chrono::steady_clock::now();
  RouteTable routes = *dispatcher_.routes();
  std::vector<std::pair<ListenerKey, std::shared_ptr<CodecInstance>>> fresh;
  for (const auto& e : routes.entries()) {
    if (e.route.codec != name) continue;
    auto instance = make_instance(lib, e.route);
    if (!instance) {
      metrics_.count_refused(LoadRefusal::create);
      return failed(name, file, instance.error());
    }
    fresh.emplace_back(e.listener, std::move(*instance));
  }

  const auto created_at = std::chrono::steady_clock::now();
  const auto create = std::chrono::duration_cast<microseconds>(created_at - mark);

  registry_.set_current(lib);
  for (const auto& [listener, instance] : fresh) routes.replace(listener, instance);
  dispatcher_.set_routes(routes);  // from here new connections get the new generation
  const auto serving = std::chrono::steady_clock::now();
  const auto& gen = record(lib, std::move(fresh), label);
  const std::string outcome = fmt::format("codec '{}' {} -> {} (generation {}, sha256 {}) from {}", name,
                                          current ? current->version() : std::string("(new)"), lib->version(),
                                          gen.number, lib->sha256(), label);
  spdlog::info("reloaded {}", outcome);
  // Where the time went, from the host's own clock: a reload is a product goal (<= 100 ms).
  const auto ms = [](auto d) { return std::chrono::duration_cast<microseconds>(d).count() / 1000.0; };
  const auto& steps = lib->load_steps();
  const auto total = std::chrono::duration_cast<microseconds>(serving - landed);
  metrics_.reload_landing_to_serving_us.set(total.count());
  spdlog::info(
      "codec '{}' generation {} serving {:.1f} ms after it landed: queued {:.1f}, copy+hash {:.1f} ({:.1f} MB), "
      "checks {:.1f}, dlopen {:.1f}, entry {:.1f}, create {:.1f}, swap {:.1f}",
      name, gen.number, ms(total), ms(started - landed), ms(steps.copy_hash), steps.bytes / 1e6, ms(steps.checks),
      ms(steps.dlopen), ms(steps.entry), ms(create), ms(serving - created_at));
  move_sessions(name, routes, gen.number);
  enforce_generation_cap(name);
  return outcome;
}

// Applies each route's reload policy to the sessions still on an older generation of `codec`.
void Reloader::move_sessions(const std::string& codec, const RouteTable& routes, uint64_t generation) {
  auto& c = codecs_[codec];
  std::unordered_map<const CodecInstance*, ListenerKey> retired;
  for (std::size_t i = 0; i + 1 < c.generations.size(); ++i) {
    for (const auto& [listener, instance] : c.generations[i].instances) retired.emplace(instance.get(), listener);
  }
  for (const auto& r : replaced_) {
    if (r.codec == codec) retired.emplace(r.instance.get(), r.listener);
  }
  struct Move {
    std::shared_ptr<CodecInstance> target;
    ReloadPolicy policy;
  };
  std::vector<std::pair<ListenerKey, Move>> plan;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& e : routes.entries()) {
    if (e.route.codec != codec) continue;
    plan.emplace_back(e.listener, Move{e.codec, e.route.reload});
    if (e.route.reload != ReloadPolicy::restart) {
      deadlines_.push_back(Deadline{now + std::chrono::milliseconds(e.route.drain_deadline_ms), codec, e.listener});
    }
  }
  uint64_t migrating = 0, draining = 0, restarting = 0;
  const auto timer = MigrationTimer::start(metrics_, codec, generation);
  dispatcher_.for_each_session([&](Session& s) {
    const auto on = s.codec_snapshot();
    auto old = retired.find(on.get());
    if (old == retired.end()) return;
    for (const auto& [listener, move] : plan) {
      if (!(listener == old->second)) continue;
      ReloadPolicy policy = move.policy;
      if (policy == ReloadPolicy::automatic) {
        policy = can_migrate(*on, *move.target) ? ReloadPolicy::migrate : ReloadPolicy::drain;
      }
      switch (policy) {
        case ReloadPolicy::migrate:
          timer->add_session();
          s.push(event::Migrate{move.target, false, timer});
          ++migrating;
          break;
        case ReloadPolicy::restart:
          s.push(event::Restart{"codec '" + codec + "' reloaded (reload policy restart)"});
          ++restarting;
          break;
        default:
          ++draining;
          break;
      }
    }
  });
  spdlog::info("codec '{}': {} session(s) migrating, {} draining, {} restarting", codec, migrating, draining,
               restarting);
}

// SIGHUP: the sessions on instances taken off a listener that is still routed follow that route's
// policy. Migration needs the same codec (a state is only meaningful to the codec that wrote it);
// sessions that cannot migrate drain until the deadline and are then closed.
void Reloader::move_replaced(const std::vector<Replaced>& replaced, const RouteTable& routes) {
  struct Move {
    std::shared_ptr<CodecInstance> target;
    ReloadPolicy policy;
  };
  std::unordered_map<const CodecInstance*, Move> plan;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& r : replaced) {
    const RouteTable::Entry* entry = nullptr;
    for (const auto& e : routes.entries())
      if (e.listener == r.listener) entry = &e;
    if (entry == nullptr) continue;  // listener no longer routed: its sessions finish where they are
    ReloadPolicy policy = entry->route.reload;
    const bool same_codec = entry->route.codec == r.codec;
    if (policy == ReloadPolicy::automatic || (policy == ReloadPolicy::migrate && !same_codec)) {
      policy = same_codec && can_migrate(*r.instance, *entry->codec) ? ReloadPolicy::migrate : ReloadPolicy::drain;
    }
    plan.emplace(r.instance.get(), Move{entry->codec, policy});
    if (policy != ReloadPolicy::restart) {
      deadlines_.push_back(Deadline{now + std::chrono::milliseconds(entry->route.drain_deadline_ms), r.codec, r.listener});
    }
  }
  if (plan.empty()) return;
  uint64_t migrating = 0, draining = 0, restarting = 0;
  dispatcher_.for_each_session([&](Session& s) {
    auto move = plan.find(s.codec_snapshot().get());
    if (move == plan.end()) return;
    switch (move->second.policy) {
      case ReloadPolicy::migrate:
        s.push(event::Migrate{move->second.target, false});
        ++migrating;
        break;
      case ReloadPolicy::restart:
        s.push(event::Restart{"route changed (reload policy restart)"});
        ++restarting;
        break;
      default:
        ++draining;
        break;
    }
  });
  spdlog::info("routes changed: {} session(s) migrating, {} draining, {} restarting", migrating, draining, restarting);
}

void Reloader::enforce_generation_cap(const std::string& codec) {
  auto& c = codecs_[codec];
  std::size_t live = 0;
  for (const auto& g : c.generations) live += (g.info.state == "current" || g.info.state == "retired") ? 1 : 0;
  for (auto& g : c.generations) {
    if (live <= plugins_.max_generations) return;
    if (g.info.state != "retired") continue;
    // Like Erlang's two-version rule: past the cap the oldest generation's sessions are closed.
    std::unordered_map<const CodecInstance*, bool> mine;
    for (const auto& [l, i] : g.instances) mine.emplace(i.get(), true);
    uint64_t closed = 0;
    dispatcher_.for_each_session([&](Session& s) {
      if (mine.contains(s.codec_snapshot().get())) {
        s.push(event::Restart{fmt::format("codec '{}' has more than {} live generations", codec,
                                          plugins_.max_generations)});
        ++closed;
      }
    });
    spdlog::warn("codec '{}': generation {} closes its {} session(s): more than {} live generations (plugins.max_generations)",
                 codec, g.number, closed, plugins_.max_generations);
    g.info.state = "closing";
    --live;
  }
}

void Reloader::tick() {
  roll_back_crashing();
  const auto now = std::chrono::steady_clock::now();
  // Drain deadlines: whatever is still on an old generation migrates now, or is closed.
  for (auto it = deadlines_.begin(); it != deadlines_.end();) {
    if (it->at > now) {
      ++it;
      continue;
    }
    const auto target = dispatcher_.routes()->find(it->listener);
    auto c = codecs_.find(it->codec);
    if (target && c != codecs_.end()) {
      std::unordered_map<const CodecInstance*, bool> old;
      for (const auto& g : c->second.generations) {
        for (const auto& [l, i] : g.instances)
          if (l == it->listener && i != target) old.emplace(i.get(), true);
      }
      for (const auto& r : replaced_) {
        if (r.listener == it->listener && r.codec == it->codec && r.instance != target) old.emplace(r.instance.get(), true);
      }
      uint64_t n = 0;
      dispatcher_.for_each_session([&](Session& s) {
        if (old.contains(s.codec_snapshot().get())) {
          s.push(event::Migrate{target, true});
          ++n;
        }
      });
      if (n != 0) {
        spdlog::info("codec '{}': drain deadline passed, {} session(s) still on an older generation migrate or close",
                     it->codec, n);
      }
    }
    it = deadlines_.erase(it);
  }

  std::erase_if(replaced_, [](const Replaced& r) { return r.instance.use_count() == 1; });

  // Release retired generations nobody uses any more, here on the control thread.
  for (auto& [name, c] : codecs_) {
    for (auto& g : c.generations) {
      if (g.info.state != "retired" && g.info.state != "closing") continue;
      bool in_use = false;
      for (const auto& [l, i] : g.instances) in_use = in_use || i.use_count() > 1;
      if (in_use) continue;
      g.instances.clear();  // on_codec_destroy runs here
      if (!g.library.expired()) continue;  // still referenced (e.g. a status reader); next tick
      auto mapped = is_mapped(g.private_path);
      if (mapped && !*mapped) {
        g.info.state = "unloaded";
        metrics_.codec_unloads.inc();
        spdlog::info("codec '{}' generation {} ({}) unloaded", name, g.number, g.info.version);
      } else {
        g.info.state = "leaked";
        metrics_.codec_unload_leaks.inc();
        spdlog::warn("codec '{}' generation {} ({}) was released but its library is still mapped ({}); "
                     "build codecs with -fno-gnu-unique and without thread_local destructors",
                     name, g.number, g.info.version, mapped ? g.private_path.string() : mapped.error());
      }
    }
    // Bounded history: forget the oldest finished generations.
    std::size_t finished = 0;
    for (const auto& g : c.generations) finished += (g.info.state == "unloaded" || g.info.state == "leaked") ? 1 : 0;
    for (auto it = c.generations.begin(); finished > kHistory && it != c.generations.end();) {
      if (it->info.state == "unloaded" || it->info.state == "leaked") {
        it = c.generations.erase(it);
        --finished;
      } else {
        ++it;
      }
    }
  }
}

std::expected<std::string, std::string> Reloader::apply_routes(const std::vector<Route>& wanted) {
  return control_.call([&]() -> std::expected<std::string, std::string> {
    const auto old = dispatcher_.routes();
    RouteTable next;
    std::vector<std::shared_ptr<CodecInstance>> created;
    int kept = 0, changed = 0;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      const Route& r = wanted[i];
      const RouteTable::Entry* same = nullptr;
      for (const auto& e : old->entries())
        if (e.listener == r.listener) same = &e;
      if (same != nullptr && same->route.codec == r.codec && same->route.config_json == r.config_json &&
          same->route.isolation == r.isolation) {
        next.add(r.listener, same->codec, r);  // policy changes apply without a new instance
        ++kept;
        continue;
      }
      auto lib = registry_.find(r.codec);
      if (!lib) return std::unexpected(fmt::format("routes[{}]: codec '{}' is not loaded", i, r.codec));
      auto instance = make_instance(lib, r);
      if (!instance) return std::unexpected(fmt::format("routes[{}]: {}", i, instance.error()));
      created.push_back(*instance);
      next.add(r.listener, std::move(*instance), r);
      ++changed;
    }
    // Old instances no longer routed leave the current generation's list and are released on
    // this thread once their sessions are gone.
    int removed = 0;
    std::vector<Replaced> replaced;
    for (const auto& e : old->entries()) {
      bool listener_kept = false;
      for (const auto& r : wanted) listener_kept = listener_kept || r.listener == e.listener;
      removed += listener_kept ? 0 : 1;
      bool still = false;
      for (const auto& n : next.entries()) still = still || n.codec == e.codec;
      if (still) continue;
      replaced.push_back(Replaced{e.listener, e.route.codec, e.codec});
      replaced_.push_back(replaced.back());
      auto c = codecs_.find(e.route.codec);
      if (c != codecs_.end() && !c->second.generations.empty()) {
        std::erase_if(c->second.generations.back().instances, [&](const auto& li) { return li.second == e.codec; });
      }
    }
    // The current generation of each codec owns the new instances.
    for (const auto& e : next.entries()) {
      auto c = codecs_.find(e.route.codec);
      if (c == codecs_.end() || c->second.generations.empty()) continue;
      auto& instances = c->second.generations.back().instances;
      bool known = false;
      for (const auto& [l, i] : instances) known = known || i == e.codec;
      if (!known) instances.emplace_back(e.listener, e.codec);
    }
    dispatcher_.set_routes(next);
    move_replaced(replaced, next);
    return fmt::format("routes applied: {} unchanged, {} new or changed, {} removed", kept, changed, removed);
  });
}

std::vector<CodecStatus> Reloader::status() {
  return control_.call([this] {
    std::unordered_map<const CodecLibrary*, uint64_t> sessions;
    dispatcher_.for_each_session([&](Session& s) {
      if (auto c = s.codec_snapshot()) ++sessions[&c->library()];
    });
    std::vector<CodecStatus> out;
    for (const auto& [name, c] : codecs_) {
      CodecStatus st{name, {}, c.last_failure, c.last_failure_file, c.last_failure_at_ms};
      for (const auto& g : c.generations) {
        GenerationStatus gs = g.info;
        if (auto lib = g.library.lock()) gs.sessions = sessions[lib.get()];
        st.generations.push_back(std::move(gs));
      }
      out.push_back(std::move(st));
    }
    return out;
  });
}

}  // namespace exproto::host
