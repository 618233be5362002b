#!/usr/bin/env python3
"""Writes the seed corpora of the jt808 fuzzers (corpus/frame, corpus/session) from the frame
vectors of make_vectors.py. Run from tests/jt808; the output is committed."""
import json
import os

import make_vectors as mv

V = {k: bytes.fromhex(v) for k, v in mv.vectors.items()}


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# Frame fuzzer: first byte is the split position; the rest is the stream.
for name in ["register13", "auth19", "location13", "location19", "escaped13", "pkg1_13", "text19"]:
    write("corpus/frame", name, bytes([7]) + V[name])
write("corpus/frame", "garbage_and_shared_flags", b"\x03xyz" + V["auth13"] + V["heartbeat13"][1:])
write("corpus/frame", "heartbeat_byte13", bytes([7]) + V["heartbeat_byte13"])
# 0xE0 blocks holding items, nested, and opaque; a register whose plate is GBK (not UTF-8).
write("corpus/frame", "location_e0_13", bytes([7]) + bytes.fromhex(mv.frame(
    0x0200, mv.P13, 5, mv.LOC + bytes.fromhex("e00730011fe0023101" "e002abcd" "31010c"))))
write("corpus/frame", "register_gbk13", bytes([7]) + bytes.fromhex(mv.frame(
    0x0100, mv.P13, 0, mv.REGISTER13[:-6] + bytes.fromhex("bea9413132338080ff"))))

# Session fuzzer: mode byte (bit 7: log in first; low bits: config), then events
# 0 = bytes (len, data), 2 = resolve next (code), 3 = fire timer (index), 4 = downlink (len, json),
# 6 then 1 = migrate the session to the next generation.
def chunk(op, data):
    assert len(data) < 255
    return bytes([op, len(data)]) + data


def downlink(msg_id, body):
    return json.dumps({"header": {"msg_id": msg_id}, "body": body}).encode()


write("corpus/session", "register_auth", bytes([0]) + chunk(0, V["register13"]) + chunk(0, V["auth13"]) +
      bytes([2, 0, 2, 0, 2, 0]) + chunk(0, V["location13"]))
write("corpus/session", "downlink_retry", bytes([0x80]) + chunk(4, downlink(0x8300, {"flag": 1, "text": "hi"})) +
      bytes([3, 0, 3, 0]) + chunk(0, V["text_ack13"]))
write("corpus/session", "subpackages", bytes([0x82]) + chunk(0, V["pkg1_13"]) + bytes([3, 0]) +
      chunk(0, V["pkg2_13"]) + chunk(0, V["pkg1_13"]))
write("corpus/session", "params", bytes([0x81]) +
      chunk(4, downlink(0x8103, {"params": [{"id": 1, "value": 30}, {"id": 19, "value": "h"}]})) +
      chunk(4, downlink(0x8104, {})) + chunk(4, downlink(0x8900, {"type": 1, "data": "AQID"})))
write("corpus/session", "v2019", bytes([3]) + chunk(0, V["register19"]) + chunk(0, V["auth19"]) +
      bytes([5, 0]) + chunk(0, V["location19"]))
write("corpus/session", "areas_gbk_unknown", bytes([0x81]) +
      chunk(4, downlink(0x8600, {"type": 0, "areas": [{"id": 1, "flag": 3, "center_latitude": 1, "center_longitude": 2,
                                                         "radius": 3, "max_speed": 80, "overspeed_duration": 10}]})) +
      chunk(4, downlink(0x8300, {"flag": 1, "text": "京A12345"})) +
      chunk(0, bytes.fromhex("7e0f01000201380013800000080102ad7e")))
# Caller-numbered downlinks next to the session's own numbers (the second custom one collides).
def custom(sn):
    return json.dumps({"header": {"msg_id": 0x8300, "msg_sn": sn}, "body": {"flag": 1, "text": "x"}}).encode()


write("corpus/session", "custom_serials", bytes([0x80]) + chunk(4, custom(3)) +
      chunk(4, downlink(0x8300, {"flag": 1, "text": "hi"})) + chunk(4, downlink(0x8300, {"flag": 1, "text": "hi"})) +
      chunk(4, custom(3)) + chunk(0, V["heartbeat_byte13"]))
write("corpus/session", "migrations", bytes([0x82]) + chunk(0, V["pkg1_13"][:9]) + bytes([6, 1]) +
      chunk(0, V["pkg1_13"][9:]) + chunk(4, downlink(0x8300, {"flag": 1, "text": "hi"})) + bytes([6, 1]) +
      bytes([3, 0, 6, 1]) + chunk(0, V["pkg2_13"]) + bytes([6, 1]) + chunk(0, V["text_ack13"]))
