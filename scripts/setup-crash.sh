#!/usr/bin/env bash
# setup-crash.sh - build a crash that reads current Debian kernels, once, into
# a cache directory outside the repository, and print its directory.
#
# Bookworm's packaged crash 8.0.2 cannot read 6.1/6.12 kernels.  We build
# crash 8.0.6 from Debian's source tarball (trixie) and apply the one-line fix
# of upstream crash commit 8a11aa0 ("x86_64_ist_init: available =
# accessible(ebase)"), without which kernels built without CONFIG_X86_MCE fail
# at start-up.  Result: $MMAUDIT_CACHE/crash-8.0.6/{crash,defs.h,...}
#
# crash is built with LZO, snappy and zstd support (crash's `make lzo snappy
# zstd`, i.e. -DLZO -DSNAPPY -DZSTD in CFLAGS.extra and -llzo2 -lsnappy
# -lzstd in LDFLAGS.extra): kdump-compressed dumps written by makedumpfile
# -l/-p/-z (RHEL's default core collector is `makedumpfile -l -d 31`) open.
# The build configuration is the cache stamp (.mmaudit-built): a cached crash
# built with another one is rebuilt.
#
# usage: scripts/setup-crash.sh [--print-dir]
#        scripts/setup-crash.sh --crash9     crash 9.0.x into $MMAUDIT_CACHE/crash-9.0.x
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# crash 9.0.x (gdb 16), next to 8.0.6: scripts/setup-crash9.sh
[ "${1:-}" != --crash9 ] || exec "$here/setup-crash9.sh"
cache=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
ver=8.0.6
dest=$cache/crash-$ver
log=$cache/crash-$ver.build.log
# compression libraries built in (crash's configure -x lzo|snappy|zstd)
compress_cflags="-DLZO -DSNAPPY -DZSTD"
compress_ldflags="-llzo2 -lsnappy -lzstd"
# what the cached build must have been made with (the stamp's content)
config="crash=$ver target=X86_64 fixes=8a11aa0 cflags.extra=$compress_cflags ldflags.extra=$compress_ldflags"
# our own patches (scripts/crash-patches/: less start-up CPU, the same
# results; docs/benchmarks.md) are part of the stamp.  MMAUDIT_CRASH_PATCHES=none
# builds without them into crash-$ver-nopatch (scripts/bench-drgn's baseline).
patches=("$here"/crash-patches/*.patch)
if [ "${MMAUDIT_CRASH_PATCHES:-}" = none ]; then
    patches=(); dest=$dest-nopatch; log=$cache/crash-$ver-nopatch.build.log
fi
config="$config patches=$(cat /dev/null "${patches[@]}" | sha256sum | cut -c1-16)"

built() {
    [ -x "$dest/crash" ] && [ -f "$dest/defs.h" ] && [ -f "$dest/.mmaudit-built" ] &&
        [ "$(cat "$dest/.mmaudit-built")" = "$config" ]
}
if built; then echo "$dest"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/crash-$ver.lock"
flock 9
if built; then echo "$dest"; exit 0; fi

tarball=$cache/crash_$ver.orig.tar.gz
if [ ! -s "$tarball" ]; then
    echo "setup-crash: downloading crash $ver source (Debian trixie)" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && "$here/apt-alt.sh" trixie deb-src source --download-only "crash" >/dev/null 2>&1 || true)
    f=$(ls "$tmp"/crash_"$ver".orig.tar.* 2>/dev/null | head -n1 || true)
    [ -n "$f" ] || { echo "setup-crash: could not download crash_$ver.orig.tar.gz" >&2; exit 2; }
    mv "$f" "$tarball"; rm -rf "$tmp"
fi

# the cached crash stays usable until the new one replaces it (others may be
# running it while this builds)
rm -rf "$dest.tmp" "$dest.new"; mkdir -p "$dest.tmp"
tar -xzf "$tarball" -C "$dest.tmp" --strip-components=1
cd "$dest.tmp"
# upstream crash commit 8a11aa0: mark every exception stack whose base is not
# mapped as unavailable, not only the VC stack.
perl -0pi -e 's/ms->stkinfo\.available\[c\]\[i\] = TRUE;\n(\s*)\/\* VC stack can be unmapped[^\n]*\n\s*if \(STREQ\(ms->stkinfo\.exception_stacks\[i\], "VC"\) &&\n\s*!accessible\(ms->stkinfo\.ebase\[c\]\[i\]\)\)\n\s*ms->stkinfo\.available\[c\]\[i\] = FALSE;/ms->stkinfo.available[c][i] = accessible(ms->stkinfo.ebase[c][i]);/' x86_64.c
grep -q 'available\[c\]\[i\] = accessible(ms->stkinfo.ebase\[c\]\[i\]);' x86_64.c ||
    { echo "setup-crash: could not apply the 8a11aa0 fix to x86_64.c" >&2; exit 2; }
for p in "${patches[@]}"; do
    patch -p1 --fuzz=0 -s <"$p" || { echo "setup-crash: could not apply $p" >&2; exit 2; }
done
# crash's configure reads these into TARGET_CFLAGS and LDFLAGS (its `make lzo`
# writes the same files)
printf '%s\n' $compress_cflags >CFLAGS.extra
printf '%s\n' $compress_ldflags >LDFLAGS.extra
# a build started from inside make (the Makefile's defs.h rule) must not
# inherit its flags: `make -B` passed on to crash's and gdb's makes remakes
# gdb's generated Makefile.in/configure (autogen, autoconf: not installed)
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
echo "setup-crash: building crash $ver (5-10 min on 2 cores; log: $log)" >&2
if ! make -j"$(nproc)" target=X86_64 >"$log" 2>&1; then
    # crash's top-level make is not always -j safe on the first pass (seen
    # under load: gdb's top-level make ran autogen for a Makefile.in being
    # rewritten, and a plain `make` then found no gdb Makefile): start over
    # serially from a fresh gdb tree
    rm -rf gdb-10.2
    make target=X86_64 >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 2; }
fi
[ -x crash ] || { echo "setup-crash: build produced no crash binary (see $log)" >&2; exit 2; }
# (ldd's output kept first: `ldd | grep -q` fails under pipefail when grep
# exits before ldd has written everything)
libs=$(ldd ./crash)
for lib in liblzo2 libsnappy libzstd; do
    grep -q "$lib\." <<<"$libs" ||
        { echo "setup-crash: the built crash is not linked with $lib (see $log)" >&2; exit 2; }
done
# keep only what users of the cache need: the binary, defs.h, and the sources'
# extensions/ directory (for building our extension in-tree)
mkdir -p "$dest.new"
cp crash defs.h "$dest.new/"
cp -r extensions "$dest.new/extensions"
cp Makefile "$dest.new/Makefile.crash"
grep -h '^GDB=' Makefile > "$dest.new/gdb-version" || true
echo "$config" >"$dest.new/.mmaudit-built"
cd "$cache"; rm -rf "$dest.tmp" "$dest.old"
[ ! -e "$dest" ] || mv "$dest" "$dest.old"
mv "$dest.new" "$dest"; rm -rf "$dest.old"
echo "$dest"
