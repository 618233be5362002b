/* Greets the previously opened session from inside the open hook of a new one: a host function
 * called with another session's handle. */
#include "bad_codec.h"

static exproto_type_status greeting_open(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr handle,
                                         exproto_type_str conn, const exproto_type_conninfo* info,
                                         exproto_type_session_codec_ptr* out) {
  bad_codec* c = (bad_codec*)codec;
  exproto_type_session_host_ptr previous = c->last_opened;
  if (previous != NULL) c->host->send(previous, bad_bytes_of("a new neighbour\n"));
  return bad_open(codec, handle, conn, info, out);
}

BAD_CODEC("wrong_session", greeting_open, bad_close, bad_bytes)
