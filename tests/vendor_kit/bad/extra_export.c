/* A correct codec built without exproto_add_codec: its helper is exported too. */
#include "bad_codec.h"

int acme_checksum(const unsigned char* p, int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) sum += p[i];
  return sum;
}

BAD_CODEC("extra_export", bad_open, bad_close, bad_bytes)
