// Which codec instance serves which gateway listener (sockname port + socket type).
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
  };

  void add(ListenerKey listener, std::shared_ptr<CodecInstance> codec) {
    entries_.push_back(Entry{listener, std::move(codec)});
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
