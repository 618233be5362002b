// The hook functions of an isolated codec's descriptor: each encodes its event and runs it in the
// IsolatedCodec's child (hook_call). The codec handle they get is the IsolatedCodec; the session
// state is a ProxySession remembering the child that opened it, so a session never reaches a
// restarted child that does not know it: its hooks fail and the host closes it.
#pragma once

#include <exproto/codec_abi.h>

#include <memory>
#include <span>

#include "host/registry/hook_runner.h"

namespace exproto::host {

// `real` with every hook replaced by a forwarding one; the optional migration hooks only where the
// library has them, so "can this route migrate" reads the same as in-process.
exproto_codec_descriptor proxy_descriptor(const exproto_codec_descriptor& real);

// HookRunner::start_hooks of an IsolatedCodec: the hooks in one frame on one of the child's hook
// lanes; the waiter hears of them on the lane's reader.
bool start_queued_hooks(exproto_type_session_codec_ptr state, std::span<const QueuedHook> hooks,
                        std::shared_ptr<HookWaiter> waiter);

}  // namespace exproto::host
