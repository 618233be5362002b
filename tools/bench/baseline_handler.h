// The baseline: a minimal, plugin-free ConnectionUnaryHandler speaking jsonframe, the honest
// comparison point for exproto-host (same protocol work, no codec layer).
#pragma once

#include <memory>
#include <string>

namespace exproto::bench::baseline {

struct BaselineSettings {
  std::string bind = "127.0.0.1:9001";     // where EMQX (the bench) calls us
  std::string adapter = "127.0.0.1:9100";  // EMQX's ConnectionAdapter
  int adapter_channels = 2;                // HTTP/2 connections to the adapter, like the host's default
};

class BaselineHandler {
 public:
  explicit BaselineHandler(const BaselineSettings& settings);  // serving when it returns; throws if it cannot
  ~BaselineHandler();
  BaselineHandler(const BaselineHandler&) = delete;
  BaselineHandler& operator=(const BaselineHandler&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::bench::baseline
