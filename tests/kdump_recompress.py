#!/usr/bin/env python3
"""kdump_recompress: rewrite a kdump-compressed file's pages with snappy.

No makedumpfile of Debian is built with snappy (bookworm 1.7.2, trixie
1.7.6, sid 1.7.8: `makedumpfile -v` says "snappy disabled"), and QEMU's
kdump-snappy needs a QEMU built with it (Debian's is not), so the test
dumps' snappy copy is made from a makedumpfile -c (zlib) copy the way
makedumpfile -p writes pages (makedumpfile.c write_kdump_pages_cyclic()):
each page snappy-compressed (libsnappy's C API, the library crash links),
kept compressed with page_desc.flags DUMP_DH_COMPRESSED_SNAPPY when that is
smaller than a page, else stored raw; the shared zero page (written once,
raw, by makedumpfile) stays raw; disk_dump_header.status says snappy.
Headers, VMCOREINFO, notes, bitmaps and page_flags are copied unchanged.

usage: kdump_recompress.py SRC.kdump DST.kdump   (non-flattened input)
"""
import ctypes
import ctypes.util
import struct
import sys
import zlib

VERSION = 1          # part of the test cache key: bump when the output changes

DH_STATUS, DH_BLOCK_SIZE, DH_SUB_HDR_SIZE, DH_BITMAP_BLOCKS = 424, 428, 432, 436
SH_OFF_ERASEINFO, SH_SIZE_ERASEINFO = 64, 72
ZLIB, LZO, SNAPPY, INCOMPLETE, ZSTD = 0x1, 0x2, 0x4, 0x8, 0x20
PD = struct.Struct("<qIIQ")       # struct page_desc: offset, size, flags, page_flags


def _snappy():
    name = ctypes.util.find_library("snappy") or "libsnappy.so.1"
    lib = ctypes.CDLL(name)
    lib.snappy_max_compressed_length.restype = ctypes.c_size_t
    lib.snappy_max_compressed_length.argtypes = [ctypes.c_size_t]
    lib.snappy_compress.restype = ctypes.c_int
    lib.snappy_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                    ctypes.POINTER(ctypes.c_size_t)]
    return lib


def recompress(src, dst):
    """-> {"pages": n, "snappy": n compressed, "raw": n stored raw}"""
    lib = _snappy()
    with open(src, "rb") as f:
        data = f.read()
    if data[:8] != b"KDUMP   ":
        raise ValueError("%s: not a (non-flattened) kdump-compressed file" % src)
    status, bs, sub_blocks, bm_blocks = struct.unpack_from("<IiiI", data, DH_STATUS)
    if status & (LZO | SNAPPY | ZSTD | INCOMPLETE):
        raise ValueError("%s: status 0x%x: only complete zlib or uncompressed input" % (src, status))
    off_erase, size_erase = struct.unpack_from("<QQ", data, bs + SH_OFF_ERASEINFO)
    if off_erase or size_erase:
        raise ValueError("%s: has eraseinfo after the page data" % src)
    bitmap_off = bs * (1 + sub_blocks)
    half = bs * bm_blocks // 2
    npages = sum(bin(b).count("1") for b in data[bitmap_off + half:bitmap_off + 2 * half])
    desc_off = bitmap_off + 2 * half
    data_off = desc_off + npages * PD.size
    descs = [PD.unpack_from(data, desc_off + i * PD.size) for i in range(npages)]
    uses = {}
    for d in descs:
        uses[d[0]] = uses.get(d[0], 0) + 1
    page = bs      # makedumpfile's block_size is the page size
    cap = lib.snappy_max_compressed_length(page)
    out = bytearray(data[:desc_off])
    struct.pack_into("<I", out, DH_STATUS, (status & ~ZLIB) | SNAPPY)
    body = bytearray()
    new_at = {}
    stats = {"pages": npages, "snappy": 0, "raw": 0}
    new_descs = []
    for off, size, flags, pflags in descs:
        if off not in new_at:
            blob = data[off:off + size]
            if len(blob) != size or off < data_off:
                raise ValueError("%s: page data 0x%x+0x%x outside the data area" % (src, off, size))
            raw = zlib.decompress(blob) if flags & ZLIB else blob
            if len(raw) != page:
                raise ValueError("%s: a page of %d bytes, not %d" % (src, len(raw), page))
            if uses[off] > 1:          # the shared zero page: raw, as makedumpfile writes it
                enc, nflags = raw, 0
            else:
                buf = ctypes.create_string_buffer(cap)
                n = ctypes.c_size_t(cap)
                if lib.snappy_compress(raw, page, buf, ctypes.byref(n)) == 0 and n.value < page:
                    enc, nflags = buf.raw[:n.value], SNAPPY
                else:
                    enc, nflags = raw, 0
            new_at[off] = (data_off + len(body), len(enc), nflags)
            body += enc
            stats["snappy" if nflags else "raw"] += 1
        noff, nsize, nflags = new_at[off]
        new_descs.append(PD.pack(noff, nsize, nflags, pflags))
    out += b"".join(new_descs)
    out += body
    with open(dst, "wb") as f:
        f.write(out)
    return stats


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    print(recompress(sys.argv[1], sys.argv[2]))
