#!/usr/bin/env python3
"""Writes the byte-crafted seeds of the host fuzzers that are not plain text (run from this
folder; the outputs are committed): small ELF files for host_fuzz_elf_check, descriptors for
host_fuzz_descriptor and .sig files / keys for host_fuzz_signature."""
import base64
import struct

PT_DYNAMIC, DT_NULL, DT_FLAGS, DF_STATIC_TLS = 2, 0, 30, 0x10


def elf(dyn_entries, phoff=64, phentsize=56, elfclass=2, truncate=None):
    """ELF64 header, one PT_DYNAMIC program header, then the dynamic entries."""
    dyn_off = phoff + phentsize
    dyn = b"".join(struct.pack("<qQ", tag, val) for tag, val in dyn_entries)
    ident = b"\x7fELF" + bytes([elfclass, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, phoff, 0, 0, 64, phentsize, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", PT_DYNAMIC, 6, dyn_off, 0, 0, len(dyn), len(dyn), 8)
    data = header + bytes(phoff - len(header)) + phdr + dyn
    return data[:truncate] if truncate else data


seeds_elf = {
    "static_tls": elf([(DT_FLAGS, DF_STATIC_TLS), (DT_NULL, 0)]),
    "reloadable": elf([(DT_FLAGS, 0x8), (DT_NULL, 0)]),
    "no_dt_null": elf([(DT_FLAGS, 0)]),
    "truncated_dynamic": elf([(DT_FLAGS, DF_STATIC_TLS), (DT_NULL, 0)], truncate=130),
    "elf32": elf([(DT_NULL, 0)], elfclass=1),
    "bad_phentsize": elf([(DT_NULL, 0)], phentsize=32),
}
for name, data in seeds_elf.items():
    open(f"host_elf_check/{name}", "wb").write(data)

# host_fuzz_descriptor: u32 struct_size, u32 abi_major, u32 abi_minor, u16 hooks, u8 null strings,
# then name\0version\0vendor.
def descriptor(size, major=1, minor=1, hooks=0x3FF, nulls=0, name=b"line", version=b"1.0", vendor=b"x"):
    return struct.pack("<IIIHB", size, major, minor, hooks, nulls) + name + b"\0" + version + b"\0" + vendor

seeds_desc = {
    "complete": descriptor(128),
    "abi_1_0": descriptor(112, minor=0),
    "missing_hook": descriptor(128, hooks=0x1EF),
    "bad_name": descriptor(128, name=b"Bad Name"),
    "other_major": descriptor(128, major=2),
    "no_name": descriptor(128, nulls=1),
}
for name, data in seeds_desc.items():
    open(f"host_descriptor/{name}", "wb").write(data)

# host_fuzz_signature: first byte even = .sig file, odd = public key.
sha = "0123456789abcdef" * 4
sig = base64.b64encode(bytes(range(64))).decode()
open("host_signature/valid_sig", "wb").write(
    b"\0" + f"exproto-codec-signature 1\nsha256 {sha}\nsignature {sig}\n".encode())
open("host_signature/trailing_text", "wb").write(
    b"\0" + f"exproto-codec-signature 1\nsha256 {sha}\nsignature {sig}\nmore\n".encode())
open("host_signature/key", "wb").write(b"\1" + base64.b64encode(bytes(range(32))))
