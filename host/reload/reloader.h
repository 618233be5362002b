// Hot reload of codecs while their devices stay connected. Every load of a codec is a
// generation; the registry and the route table point at the current one, sessions keep theirs
// until the route's reload policy moves them (migrate), lets them finish (drain) or closes them
// (restart). A retired generation is destroyed and unloaded on the control thread once nothing
// refers to it, and the unload is verified against /proc/self/maps.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/config/config.h"
#include "host/reload/codec_status.h"
#include "host/reload/control_thread.h"
#include "host/session/route_table.h"

namespace exproto::host {

class CodecLibrary;
class CodecInstance;
class CodecRegistry;
class Dispatcher;
struct Metrics;

// How the reloader makes instances for routes, and when it rolls back on its own a reloaded
// generation whose isolated children keep dying.
struct InstancePolicy {
  // Empty: CodecInstance::create in this process (what tests without isolation use).
  std::function<std::expected<std::shared_ptr<CodecInstance>, std::string>(
      const std::shared_ptr<const CodecLibrary>& library, const Route& route)>
      create;
  uint32_t rollback_crashes = 0;  // child deaths within rollback_window of a reload; 0 = never
  std::chrono::milliseconds rollback_window{30000};
};

class Reloader {
 public:
  // Loads go to `registry`'s work and archive dirs (the archive keeps each generation's bytes
  // for rollback).
  Reloader(CodecRegistry& registry, Dispatcher& dispatcher, Metrics& metrics, PluginsConfig plugins,
           InstancePolicy instances = {});
  ~Reloader();  // stops the control thread; generations still in use are released by their sessions
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Records the codecs and routes loaded at start-up as generation 1 of each codec.
  void adopt();

  // Each of these runs on the control thread; the caller waits for the outcome (one line).
  // Loads `file` as the next generation of the codec it declares; "unchanged" when its bytes are
  // those of the current generation.
  std::expected<std::string, std::string> reload_file(const std::filesystem::path& file);
  // Reloads the file the codec's current generation came from.
  std::expected<std::string, std::string> reload(const std::string& codec);
  // Loads the bytes of the generation before the current one again, as a new generation.
  std::expected<std::string, std::string> rollback(const std::string& codec);
  std::vector<CodecStatus> status();

  // SIGHUP: makes `config`'s routes the ones new connections use. A route whose codec or codec
  // config changed gets a new instance, and the sessions on the old one follow the route's reload
  // policy as on a codec reload (migrate to the new instance when it is the same codec, drain with
  // the deadline, or restart); removed routes take no new connections and their sessions finish.
  // Codecs must be loaded already. Errors name the route; nothing changes then.
  std::expected<std::string, std::string> apply_routes(const std::vector<Route>& routes);

  // For the plugin watcher: queue a reload of `file` and return at once. `landed`: when the
  // change was noticed; the reload's log line and metric count from it.
  void file_changed(const std::filesystem::path& file, std::chrono::steady_clock::time_point landed);

 private:
  struct Generation {
    uint64_t number = 0;
    std::weak_ptr<const CodecLibrary> library;
    // Held while current, and after retirement until no session uses them, so that
    // on_codec_destroy and the unload run here on the control thread.
    std::vector<std::pair<ListenerKey, std::shared_ptr<CodecInstance>>> instances;
    GenerationStatus info;  // sessions filled in by status()
    std::filesystem::path private_path;
    std::filesystem::path archive_path;
    std::chrono::steady_clock::time_point swapped_at = std::chrono::steady_clock::now();
    bool automatic_rollback = false;  // made by one: never rolled back automatically itself
  };
  struct Codec {
    std::vector<Generation> generations;  // oldest first; the last is current
    uint64_t next_number = 1;
    std::string last_failure, last_failure_file;
    int64_t last_failure_at_ms = 0;
  };
  // An instance a config change took off its route; its sessions follow that route's policy, a
  // later reload of the codec moves them too, and it is released here once they are gone.
  struct Replaced {
    ListenerKey listener;
    std::string codec;
    std::shared_ptr<CodecInstance> instance;
  };
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    std::string codec;
    ListenerKey listener;
  };

  std::expected<std::string, std::string> load_now(
      const std::filesystem::path& file, const std::string& label,
      std::chrono::steady_clock::time_point landed = std::chrono::steady_clock::now());
  std::expected<std::string, std::string> rollback_now(const std::string& codec);
  std::expected<std::shared_ptr<CodecInstance>, std::string> make_instance(
      const std::shared_ptr<const CodecLibrary>& library, const Route& route);
  // The number `library` has as a generation of its codec, or will get from record() (the next).
  uint64_t generation_number(const CodecLibrary& library) const;
  // Rolls back current generations whose isolated children died too often since their reload.
  void roll_back_crashing();
  std::unexpected<std::string> failed(const std::string& codec, const std::filesystem::path& file,
                                      const std::string& reason);
  Generation& record(const std::shared_ptr<const CodecLibrary>& library,
                     std::vector<std::pair<ListenerKey, std::shared_ptr<CodecInstance>>> instances,
                     const std::string& source);
  void move_sessions(const std::string& codec, const RouteTable& routes, uint64_t generation);
  void move_replaced(const std::vector<Replaced>& replaced, const RouteTable& routes);
  void enforce_generation_cap(const std::string& codec);
  void tick();  // drain deadlines, releases, unload checks

  CodecRegistry& registry_;
  Dispatcher& dispatcher_;
  Metrics& metrics_;
  const PluginsConfig plugins_;
  const InstancePolicy instances_;
  std::map<std::string, Codec, std::less<>> codecs_;  // control thread only (adopt runs before it starts work)
  std::vector<Deadline> deadlines_;                   // control thread only
  std::vector<Replaced> replaced_;                    // control thread only
  ControlThread control_;                             // last: its thread uses everything above
};

}  // namespace exproto::host
