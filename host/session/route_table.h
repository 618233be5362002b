// Which codec instance serves which gateway listener (sockname port + socket type). A value:
// the dispatcher swaps in a whole new table when a reload changes it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/config/config.h"
#include "host/registry/codec_instance.h"

namespace exproto::host {

class RouteTable {
 public:
  struct Entry {
    ListenerKey listener;
    std::shared_ptr<CodecInstance> codec;
    Route route;  // as configured: codec name, codec config, reload policy
  };

  void add(ListenerKey listener, std::shared_ptr<CodecInstance> codec, Route route = {}) {
    entries_.push_back(Entry{listener, std::move(codec), std::move(route)});
  }
  // Points an existing listener at another instance (a new generation); false when unknown.
  bool replace(const ListenerKey& listener, std::shared_ptr<CodecInstance> codec) {
    for (auto& e : entries_)
      if (e.listener == listener) {
        e.codec = std::move(codec);
        return true;
      }
    return false;
  }
  // nullptr when no route matches.
  std::shared_ptr<CodecInstance> find(const ListenerKey& listener) const {
    for (const auto& e : entries_)
      if (e.listener == listener) return e.codec;
    return nullptr;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // a handful of listeners: a scan beats hashing
};

}  // namespace exproto::host
