#!/usr/bin/env python3
"""Writes the seeds of host_fuzz_mqtt_packet into host_mqtt_packet/ (run from this folder; the
outputs are committed). Each seed: a config byte (bit 0: MQTT 5, bits 1-7: maximum packet size
in 64-byte steps), a read-size byte, then a stream of packets as a broker would send them."""
import os


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def s(text):
    b = text.encode()
    return len(b).to_bytes(2, "big") + b


def props(*items):
    body = b"".join(items)
    return varint(len(body)) + body


V5, V311 = 1, 0
BIG = 0xFE  # maximum packet size 8130
seeds = {
    # CONNACK with receive maximum, topic alias maximum, assigned client id, reason string
    "v5_connack_props": (V5 | BIG, 7, packet(0x20, b"\x00\x00" + props(
        b"\x21\x00\x14", b"\x22\x00\x0a", b"\x12" + s("auto-1"), b"\x1f" + s("welcome"),
        b"\x26" + s("k") + s("v")))),
    "v311_connack_refused": (V311 | BIG, 1, packet(0x20, b"\x00\x05")),
    # PUBLISH QoS 0/1/2 with properties, then PUBREL and PINGRESP, in one stream
    "v5_publish_stream": (V5 | BIG, 3,
        packet(0x30, s("a/b") + props() + b"hello")
        + packet(0x32, s("a/c") + b"\x00\x07" + props(b"\x02\x00\x00\x00\x3c", b"\x0b\x05") + b"q1")
        + packet(0x34, s("a/d") + b"\x00\x08" + props(b"\x01\x01", b"\x03" + s("text/plain")) + b"q2")
        + packet(0x62, b"\x00\x08") + packet(0xD0, b"")),
    "v311_publish_acks": (V311 | BIG, 5,
        packet(0x32, s("t") + b"\x00\x01" + b"x" * 100) + packet(0x40, b"\x00\x01")
        + packet(0x50, b"\x00\x02") + packet(0x70, b"\x00\x02") + packet(0x90, b"\x00\x03\x01\x80")
        + packet(0xB0, b"\x00\x04")),
    "v5_acks_reasons": (V5 | BIG, 2,
        packet(0x40, b"\x00\x01") + packet(0x40, b"\x00\x02\x10")
        + packet(0x40, b"\x00\x03\x87" + props(b"\x1f" + s("denied")))
        + packet(0x90, b"\x00\x04" + props() + b"\x00\x01\x02\x87")
        + packet(0xB0, b"\x00\x05" + props() + b"\x00\x11")),
    "v5_disconnect_takeover": (V5 | BIG, 1,
        packet(0xE0, b"\x8e" + props(b"\x1f" + s("session taken over"), b"\x1c" + s("other:1883")))),
    "v5_big_publish": (V5 | 0x20, 17, packet(0x30, s("big") + props() + b"z" * 900)),
    "v5_bad_varint": (V5 | BIG, 1, b"\x30\xff\xff\xff\xff\x01"),
    "v5_bad_property": (V5 | BIG, 4, packet(0x20, b"\x00\x00" + props(b"\x7f\x00"))),
    "v311_bad_utf8": (V311 | BIG, 2, packet(0x30, b"\x00\x02\xc0\x80")),
}
os.makedirs("host_mqtt_packet", exist_ok=True)
for name, (config, read, stream) in seeds.items():
    with open(os.path.join("host_mqtt_packet", name), "wb") as f:
        f.write(bytes([config, read]) + stream)
