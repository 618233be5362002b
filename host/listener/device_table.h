// The live device conns of native mode, one map per io shard, each touched only by its shard's
// thread: no lock. A lookup from another thread (an Upstream call from a pool thread) is posted
// to the shard the conn id names, and runs inline when the caller is already there.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "host/metrics/metrics.h"

namespace exproto::host {

class DeviceConn;
class IoThreads;

class DeviceTable {
 public:
  explicit DeviceTable(IoThreads& io);
  DeviceTable(const DeviceTable&) = delete;
  DeviceTable& operator=(const DeviceTable&) = delete;

  // On `shard`'s thread.
  void add(std::size_t shard, std::shared_ptr<DeviceConn> conn);
  // Removes `conn` if it is the one registered under its id (on its shard's thread).
  void remove(std::size_t shard, const DeviceConn* conn);
  // Calls `fn` for every conn of `shard` (on its thread; `fn` may remove conns).
  void for_each(std::size_t shard, const std::function<void(DeviceConn&)>& fn);

  // Any thread: posts `fn` to the conn's thread, where it runs with the conn, or with nullptr
  // when there is no such conn (an id naming no shard of ours: at once, on the caller's thread).
  // Posted even from the conn's own thread: the calls of one session then reach its conn in the
  // order the session made them, whichever thread made each (a hook runs inline on the io thread
  // or on a pool thread). If the io threads have stopped, `fn` never runs: callers that owe an
  // answer keep it in something that answers when destroyed.
  void post(const std::string& conn, std::function<void(DeviceConn*)> fn);

  // Conns registered, all shards (any thread).
  std::size_t size() const { return static_cast<std::size_t>(count_.get()); }

 private:
  IoThreads& io_;
  std::vector<std::unordered_map<std::string, std::shared_ptr<DeviceConn>>> shards_;
  Gauge count_;
};

}  // namespace exproto::host
