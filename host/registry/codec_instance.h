// A codec instance: on_codec_create with one route's config, on_codec_destroy when the last
// session holding it is gone. Holding an instance keeps its library loaded.
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "host/registry/codec_library.h"
#include "host/registry/hook_runner.h"

namespace exproto::host {

class CodecInstance {
 public:
  // Errors: "codec 'x' failed to create (status 1): <last WARN/ERROR line it logged>".
  static std::expected<std::shared_ptr<CodecInstance>, std::string> create(std::shared_ptr<const CodecLibrary> library,
                                                                        const exproto_host_api* api,
                                                                        std::string_view config_json);
  // An instance whose hooks run elsewhere (an isolated route's child): hooks() and handle() are
  // the runner's; `library` is this process's load of the same bytes, which names the codec and
  // ties the instance to its generation. The runner goes with the instance.
  static std::shared_ptr<CodecInstance> with_runner(std::shared_ptr<const CodecLibrary> library,
                                                    std::shared_ptr<HookRunner> runner);
  struct Key {
   private:
    friend class CodecInstance;
    Key() = default;
  };
  CodecInstance(Key, std::shared_ptr<const CodecLibrary> library);  // use create()
  ~CodecInstance();
  CodecInstance(const CodecInstance&) = delete;
  CodecInstance& operator=(const CodecInstance&) = delete;

  const CodecLibrary& library() const { return *library_; }
  const exproto_codec_descriptor& hooks() const { return *hooks_; }
  exproto_type_codec_codec_ptr handle() const { return handle_; }
  // nullptr for an instance in this process.
  const HookRunner* runner() const { return runner_.get(); }

  // The /metrics labels of its sessions, bounded by the config and plugins.max_generations: the
  // route it was made for ("tcp:7993", route_label) and its codec generation's number (1 at
  // start-up, then one per reload; host/reload). Whoever makes the instance sets the route before
  // publishing it in a route table; the generation may be set later (any thread reads it).
  void set_route_label(std::string route) { route_label_ = std::move(route); }
  const std::string& route_label() const { return route_label_; }
  void set_generation(uint64_t number) { generation_.store(number, std::memory_order_relaxed); }
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }

  // Target of exproto_host_api::log for this instance (any thread). Forwards to spdlog as
  // "[codec <name>] <msg>"; levels outside TRACE..ERROR are logged as ERROR.
  void log(int32_t level, std::string_view msg);

 private:
  std::shared_ptr<const CodecLibrary> library_;
  const exproto_codec_descriptor* hooks_;  // the library's, or the runner's
  std::shared_ptr<HookRunner> runner_;     // after library_: stopped before the library goes
  exproto_type_codec_codec_ptr handle_ = nullptr;
  bool created_ = false;  // on_codec_create returned OK (its handle may legitimately be NULL)
  bool creating_ = true;
  std::mutex mu_;
  std::string last_problem_;  // last WARN/ERROR logged while creating
  std::string route_label_;
  std::atomic<uint64_t> generation_{0};  // 0: not recorded yet
};

}  // namespace exproto::host
