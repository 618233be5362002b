#!/usr/bin/env python3
"""An independent reference for the frame vectors in frames_test.cpp: builds JT/T 808 frames from
fields (header layout, XOR check, 0x7e/0x7d escaping) without sharing code with the codec.
Run it to print the hex strings the tests compare against."""


def bcd(digits, n):
    digits = digits.rjust(2 * n, "0")
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, 2 * n, 2))


def frame(msg_id, phone, sn, body, v2019=False, proto_ver=1, pkg=None):
    attrs = len(body) | (1 << 13 if pkg else 0) | (1 << 14 if v2019 else 0)
    h = msg_id.to_bytes(2, "big") + attrs.to_bytes(2, "big")
    h += (bytes([proto_ver]) + bcd(phone, 10)) if v2019 else bcd(phone, 6)
    h += sn.to_bytes(2, "big")
    if pkg:
        h += pkg[0].to_bytes(2, "big") + pkg[1].to_bytes(2, "big")
    content = h + body
    check = 0
    for b in content:
        check ^= b
    content += bytes([check])
    out = bytearray([0x7E])
    for b in content:
        out += {0x7E: b"\x7d\x02", 0x7D: b"\x7d\x01"}.get(b, bytes([b]))
    out.append(0x7E)
    return out.hex()


P13 = "013800138000"
P19 = "00000000013800138000"
REGISTER13 = bytes.fromhex("002c012c") + b"EMQX1" + b"M1".ljust(20, b"\0") + b"D123".ljust(7, b"\0") + b"\x01ABC123"
REGISTER19 = (bytes.fromhex("002c012c") + b"EMQX".ljust(11, b"\0") + b"MODEL-2019".ljust(30, b"\0") +
              b"DEV1".ljust(30, b"\0") + b"\x00LSVAM4187C2184847")
LOC = bytes.fromhex("00000001" "00000002" "01dc9a07" "073d4d95" "000c" "0258" "005a" "231122031500")
LOC_EXTRA = LOC + bytes.fromhex("010400000064" "30011f")
AUTH19 = b"\x09anonymous" + b"123456789012345" + b"1.0.0".ljust(20, b"\0")

vectors = {
    "register13": frame(0x0100, P13, 0, REGISTER13),
    "register_ack13": frame(0x8100, P13, 0, bytes.fromhex("000000") + b"anonymous"),
    "auth13": frame(0x0102, P13, 1, b"anonymous"),
    "auth_ack13": frame(0x8001, P13, 1, bytes.fromhex("0001010200")),
    "location13": frame(0x0200, P13, 2, LOC_EXTRA),
    "location_ack13": frame(0x8001, P13, 2, bytes.fromhex("0002020000")),
    "text13": frame(0x8300, P13, 3, b"\x01hello"),
    "text_ack13": frame(0x0001, P13, 3, bytes.fromhex("0003830000")),
    "register19": frame(0x0100, P19, 0, REGISTER19, v2019=True),
    "register_ack19": frame(0x8100, P19, 0, bytes.fromhex("000000") + b"anonymous", v2019=True),
    "auth19": frame(0x0102, P19, 1, AUTH19, v2019=True),
    "auth_ack19": frame(0x8001, P19, 1, bytes.fromhex("0001010200"), v2019=True),
    "location19": frame(0x0200, P19, 2, LOC_EXTRA, v2019=True),
    "location_ack19": frame(0x8001, P19, 2, bytes.fromhex("0002020000"), v2019=True),
    "text19": frame(0x8300, P19, 3, b"\x01\x01hello", v2019=True),
    "text_ack19": frame(0x0001, P19, 3, bytes.fromhex("0003830000"), v2019=True),
    "escaped13": frame(0x0900, P13, 0x7e7d, bytes.fromhex("7e7d7e01")),
    "pkg1_13": frame(0x0900, P13, 10, bytes.fromhex("41") + bytes(range(1, 6)), pkg=(2, 1)),
    "pkg2_13": frame(0x0900, P13, 11, bytes(range(6, 11)), pkg=(2, 2)),
    "pkg_ack1_13": frame(0x8001, P13, 3, bytes.fromhex("000a090000")),
    "pkg_ack2_13": frame(0x8001, P13, 4, bytes.fromhex("000b090000")),
    "heartbeat13": frame(0x0002, P13, 4, b""),
    "heartbeat_ack13": frame(0x8001, P13, 3, bytes.fromhex("0004000200")),
    # A heartbeat with one stray body byte, and EMQX's answer right after login (msg_sn 2).
    "heartbeat_byte13": frame(0x0002, P13, 4, b"\x5a"),
    "heartbeat_byte_ack13": frame(0x8001, P13, 2, bytes.fromhex("0004000200")),
}
if __name__ == "__main__":
    for name, hexstr in vectors.items():
        print(f'{name} = "{hexstr}"')
