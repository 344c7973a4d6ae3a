#!/usr/bin/env python3
"""Makes frames with the reference C implementations, zlib (through
Python's zlib module) and the lz4 command-line tool, for live/wire's
interoperability tests. Run from this directory: python3 gen.py

The messages are the ones referenceMessage builds in reference_test.go:
keep the two in step.
"""
import struct
import subprocess
import zlib


def message(i):
    # Sizes vary from ~180 bytes to ~15 KB, and every ninth message is
    # 17 KB to 150 KB, so messages cross zlib's 32 KiB window.
    n = 1 + (i * 37) % 300 if i % 9 != 8 else 300 + i * 40
    inputs = ",".join('{"controlID":"b%d","event":"mousedown","button":%d}' % (j, j % 3) for j in range(n))
    return ('{"id":%d,"type":"method","method":"giveInput","params":{"participantID":"p%d","inputs":[%s]},"discard":true,"seq":%d}'
            % (i, i % 17, inputs, i)).encode()


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def gzip_stream(path, level, flush, count):
    """One gzip stream (wbits 31), flushed after each message; each frame is
    stored with a 4-byte big-endian length before it."""
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    with open(path, "wb") as f:
        for i in range(count):
            m = message(i)
            frame = uvarint(len(m)) + c.compress(m) + c.flush(flush)
            f.write(struct.pack(">I", len(frame)) + frame)


def lz4_linked(path):
    """A 64 KiB-block LZ4 frame with linked blocks (-BD) and block
    checksums (-BX) of 4 blocks' worth of messages."""
    data = b""
    i = 0
    while len(data) < 4 * 65536:
        data += message(i) + b"\n"
        i += 1
    data = data[: 4 * 65536]
    subprocess.run(["lz4", "-q", "-f", "-B4", "-BD", "-BX", "-9", "-", path], input=data, check=True)


gzip_stream("zlib-level6-sync.frames", 6, zlib.Z_SYNC_FLUSH, 60)
gzip_stream("zlib-level1-sync.frames", 1, zlib.Z_SYNC_FLUSH, 60)
gzip_stream("zlib-level9-full.frames", 9, zlib.Z_FULL_FLUSH, 60)
lz4_linked("lz4cli-linked-64k.lz4")
