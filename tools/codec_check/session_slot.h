// The checking host's record of one session. Its address is the session handle the codec gets, and
// it is kept until the whole run ends (never reused), so a handle used after on_session_close still
// points at a record that says "closed" instead of at freed memory.
#pragma once

#include <exproto/codec_abi.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace codec_check {

class Checker;

enum class SlotState {
  opening,      // inside on_session_open
  open,         // open; hooks may run
  closing,      // inside on_session_close (only session_log is allowed)
  closed,       // on_session_close returned
  open_failed,  // on_session_open failed: the handle is dead, on_session_close is never called
};

struct PendingCall {
  std::uint64_t id = 0;
  std::int32_t kind = 0;  // exproto_type_call_kind
};

struct PendingTimer {
  std::uint64_t id = 0;
  std::uint64_t due_ms = 0;  // on the checker's virtual clock
  std::uint64_t tag = 0;
};

struct SessionSlot {
  // Recognises handles this host issued, so a forged one is reported instead of dereferenced further.
  static constexpr std::uint64_t kMagic = 0x65'78'70'72'6f'73'6c'74;  // "exproslt"
  std::uint64_t magic = kMagic;
  Checker* checker = nullptr;
  std::string conn;
  SlotState state = SlotState::opening;
  exproto_type_session_codec_ptr codec_state = nullptr;
  std::deque<PendingCall> pending;  // calls waiting for on_session_result, oldest first
  std::vector<PendingTimer> timers;
  std::vector<std::string> subscriptions;
  bool keepalive_started = false;
  bool close_requested = false;
};

}  // namespace codec_check
