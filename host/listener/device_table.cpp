#include "host/listener/device_table.h"

#include <boost/asio/post.hpp>

#include "host/listener/device_conn.h"
#include "host/net/io_threads.h"

namespace exproto::host {

DeviceTable::DeviceTable(IoThreads& io) : io_(io), shards_(io.size()) {}

void DeviceTable::add(std::size_t shard, std::shared_ptr<DeviceConn> conn) {
  auto& map = shards_.at(shard);
  const std::string& id = conn->id();
  if (map.insert_or_assign(id, std::move(conn)).second) count_.add(1);
}

void DeviceTable::remove(std::size_t shard, const DeviceConn* conn) {
  auto& map = shards_.at(shard);
  auto it = map.find(conn->id());
  if (it == map.end() || it->second.get() != conn) return;
  auto keep = std::move(it->second);  // destroyed after the erase, not inside it
  map.erase(it);
  count_.add(-1);
}

void DeviceTable::for_each(std::size_t shard, const std::function<void(DeviceConn&)>& fn) {
  // A copy: `fn` may end conns, which removes them from the map.
  std::vector<std::shared_ptr<DeviceConn>> all;
  all.reserve(shards_.at(shard).size());
  for (auto& [id, conn] : shards_[shard]) all.push_back(conn);
  for (auto& conn : all) fn(*conn);
}

void DeviceTable::post(const std::string& conn, std::function<void(DeviceConn*)> fn) {
  const auto shard = io_.shard_of(conn);
  if (!shard) {
    fn(nullptr);
    return;
  }
  boost::asio::post(io_.executor(*shard), [this, shard = *shard, conn, fn = std::move(fn)] {
    auto& map = shards_[shard];
    auto it = map.find(conn);
    if (it == map.end()) {
      fn(nullptr);
      return;
    }
    auto keep = it->second;  // `fn` may end it
    fn(keep.get());
  });
}

}  // namespace exproto::host
