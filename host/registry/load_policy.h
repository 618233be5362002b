// What the loader demands of a codec file before it maps it: the operator's trust rules for the
// plugins folder (config `plugins.trust`, `plugins.max_file_bytes`, `plugins.trusted_keys`,
// `plugins.require_signature`). The default is the permissive policy a vendor's own tools use on
// their own build (exproto-codec-check); the host builds its policy from the config, strict by
// default.
#pragma once

#include <cstdint>
#include <vector>

#include "host/registry/codec_signature.h"

namespace exproto::host {

struct LoadPolicy {
  uint64_t max_file_bytes = 256ull << 20;
  // The file and its folder must be owned by root or by the host's user and writable by nobody
  // else: whoever can write either can run code as the host.
  bool owner_and_mode = false;
  // A "<file>.sig" beside the file is always checked against these when there are any: a
  // signature that does not verify refuses the file even when signatures are optional.
  std::vector<TrustedKey> trusted_keys;
  bool require_signature = false;  // an unsigned file is refused
};

}  // namespace exproto::host
