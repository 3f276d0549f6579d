#!/usr/bin/env bash
# setup-makedumpfile.sh - fetch Debian's newest makedumpfile (sid, 1.7.8)
# once into the cache and print the path of a command that runs it.
#
# The test dumps' compressed -d 31 copies (tests/filtered.py) are made with it:
#   - bookworm's makedumpfile 1.7.2 is built with LZO only (no zstd) and
#     predates Linux 6.10's page types: on the 6.12 test dump it says "kernel
#     version is not supported" and drops slab pages (3 of 165 task_structs
#     lost);
#   - trixie's 1.7.6 says the same on 6.12 and filters almost nothing there
#     (130189 of 131072 pages kept: it does not recognise 6.12's free and
#     user pages);
#   - sid's 1.7.8 filters 6.12 as 1.7.2 filters 6.1 (29662 pages, every
#     task_struct and mm_struct kept, no warning), with zlib, LZO and zstd
#     (no Debian makedumpfile has snappy).
# 1.7.8 needs glibc 2.38: sid's libc6 is unpacked next to it and the binary
# runs under that libc's own loader (--library-path: sid's libc, then the
# system's libraries for libdw/libelf/liblzo2/libzstd/zlib).  Both packages
# are only unpacked (dpkg-deb -x), never installed.
# Result: $MMAUDIT_CACHE/makedumpfile-sid/makedumpfile (a wrapper script)
#
# usage: scripts/setup-makedumpfile.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
dest=$cache/makedumpfile-sid
cmd=$dest/makedumpfile

ok() { [ -x "$cmd" ] && "$cmd" -v 2>&1 | grep -q "^makedumpfile: version"; }
if ok; then echo "$cmd"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/makedumpfile-sid.lock"
flock 9
if ok; then echo "$cmd"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && "$here/apt-alt.sh" sid deb download makedumpfile libc6 >/dev/null 2>&1) || true
for p in makedumpfile libc6; do
    ls "$tmp"/${p}_*_amd64.deb >/dev/null 2>&1 ||
        { echo "setup-makedumpfile: could not download $p (sid)" >&2; exit 2; }
done
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
dpkg-deb -x "$tmp"/makedumpfile_*_amd64.deb "$dest.tmp/root"
dpkg-deb -x "$tmp"/libc6_*_amd64.deb "$dest.tmp/root"
cat >"$dest.tmp/makedumpfile" <<'EOF'
#!/bin/sh
# sid's makedumpfile under sid's libc (scripts/setup-makedumpfile.sh)
r=$(dirname "$0")/root
l=$r/usr/lib/x86_64-linux-gnu
exec "$l/ld-linux-x86-64.so.2" --library-path "$l:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" \
    "$r/usr/bin/makedumpfile" "$@"
EOF
chmod +x "$dest.tmp/makedumpfile"
"$dest.tmp/makedumpfile" -v >/dev/null 2>&1 ||
    { echo "setup-makedumpfile: sid's makedumpfile does not run here:" >&2; "$dest.tmp/makedumpfile" -v >&2 || true; exit 2; }
rm -rf "$dest"; mv "$dest.tmp" "$dest"
echo "$cmd"
