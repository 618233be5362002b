// What the admin status reports about each codec and its generations (plain data, copied out of
// the control thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace exproto::host {

struct GenerationStatus {
  uint64_t number = 0;  // 1 for the load at start-up, then one per reload of that codec
  std::string version;
  std::string vendor;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::string sha256;
  std::string source;       // the file it was loaded from
  int64_t loaded_at_ms = 0; // Unix time
  std::string state;        // current | retired (sessions may remain) | unloaded | leaked (still mapped)
  uint64_t sessions = 0;    // live sessions served by it now
  bool migratable = false;  // has both on_session_export and on_session_import
  std::string signer;       // plugins.trusted_keys name that signed the bytes; empty: unsigned or unchecked
};

struct CodecStatus {
  std::string name;
  std::vector<GenerationStatus> generations;  // oldest first; the current one is last
  std::string last_failure;                   // empty when no load of this codec ever failed
  std::string last_failure_file;
  int64_t last_failure_at_ms = 0;
};

}  // namespace exproto::host
