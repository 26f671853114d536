#!/usr/bin/env python3
"""Write FILE as BGZF (blocked gzip, as `bgzip` from htslib writes it) to FILE.gz, for the
benchmark of decoding gzip members in parallel (BENCHMARKS.md): blocks of 65,280 bytes of input,
each a gzip member whose extra field (subfield BC) holds its compressed size, then the 28-byte
empty end-of-file block. Usage: python3 scripts/bgzip.py FILE [--level 6]"""

import argparse
import struct
import zlib

BLOCK = 65280


def member(data, level):
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    size = 12 + 6 + len(body) + 8  # header, extra field, deflate data, CRC32 and length
    header = b"\x1f\x8b\x08\x04" + b"\0\0\0\0" + b"\0\xff" + struct.pack("<H", 6)
    extra = b"BC" + struct.pack("<HH", 2, size - 1)
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + extra + body + trailer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--level", type=int, default=6)
    args = parser.parse_args()
    with open(args.file, "rb") as src, open(args.file + ".gz", "wb") as out:
        while True:
            data = src.read(BLOCK)
            if not data:
                break
            out.write(member(data, args.level))
        out.write(member(b"", args.level))


if __name__ == "__main__":
    main()
