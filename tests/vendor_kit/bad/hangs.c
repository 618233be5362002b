/* Never returns from on_session_bytes. */
#include "bad_codec.h"

static exproto_type_status spinning_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)state, (void)data;
  for (volatile int spin = 1; spin;) {
  }
  return EXPROTO_STATUS_OK;
}

BAD_CODEC("hangs", bad_open, bad_close, spinning_bytes)
