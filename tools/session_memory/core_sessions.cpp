#include "core_sessions.h"

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "conn_ids.h"
#include "host/metrics/metrics.h"
#include "host/registry/codec_instance.h"
#include "host/registry/codec_library.h"
#include "host/session/dispatcher.h"
#include "host/session/host_api.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"
#include "host/upstream/upstream.h"

namespace exproto::memory {
namespace {

namespace host = exproto::host;

// EMQX answers every call at once; an idle session makes none after its open.
class AnsweringUpstream final : public host::Upstream {
 public:
  void call(host::UpstreamCall, std::function<void(host::UpstreamResult)> done) override { done({}); }
};

std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}


}  // namespace

std::vector<CoreFigure> measure_core(const std::filesystem::path& codec_file, const std::vector<std::size_t>& checkpoints,
                                     std::string& error) {
  host::Metrics metrics;
  host::SessionsConfig limits;
  host::TimerService timers;
  host::WorkerPool pool(1, host::WorkerPool::Watchdog{std::chrono::milliseconds(limits.hook_timeout_ms),
                                                       limits.max_extra_workers, &metrics});
  AnsweringUpstream upstream;
  auto lib = host::CodecLibrary::load(codec_file, {}, host::host_api_table());
  if (!lib) {
    error = lib.error();
    return {};
  }
  auto instance = host::CodecInstance::create(*lib, host::host_api_table(), "{}");
  if (!instance) {
    error = instance.error();
    return {};
  }
  host::RouteTable routes;
  routes.add(host::ListenerKey{7993, host::SockType::tcp}, *instance);
  host::Dispatcher dispatcher(host::SessionEnv{pool, timers, upstream, metrics, limits, host::host_api_table(), {}},
                              std::move(routes));

  std::vector<CoreFigure> figures;
  // Conn ids are made before the baseline: EMQX's strings arrive in the request, not from us.
  std::vector<std::string> ids;
  ids.reserve(checkpoints.empty() ? 0 : checkpoints.back());
  for (std::size_t i = 0; i < (checkpoints.empty() ? 0 : checkpoints.back()); ++i) ids.push_back(conn_id(i));
  const std::size_t before = heap_in_use();
  std::size_t opened = 0;
  for (const std::size_t target : checkpoints) {
    for (; opened < target; ++opened) {
      host::ConnMeta meta;
      meta.peer_host = "127.0.0.1";
      meta.peer_port = static_cast<uint32_t>(20000 + opened % 40000);
      meta.sock_host = "127.0.0.1";
      meta.sock_port = 7993;
      dispatcher.created(host::Origin::unary, ids[opened], std::move(meta), host::Ack{});
    }
    // Opened events run on the pool (or inline); wait until every session is idle.
    for (int i = 0; i < 600 && !dispatcher.wait_idle(std::chrono::steady_clock::now() + std::chrono::milliseconds(100)); ++i) {
    }
    figures.push_back({target, static_cast<double>(heap_in_use() - before) / static_cast<double>(target)});
  }
  timers.stop();
  return figures;
}

}  // namespace exproto::memory
