#!/usr/bin/env bash
# setup-crash9.sh - build crash 9.0.x (embedded gdb 16) once into the cache,
# next to the crash 8.0.6 of scripts/setup-crash.sh, and print its directory.
# scripts/setup-crash.sh --crash9 runs this.
#
# Source: Debian's crash source package of the newer suites (forky/sid, via
# scripts/apt-alt.sh).  It ships gdb as a second upstream tarball
# (crash_9.0.x+~16.y.orig-gdb.tar.gz) and patches crash's Makefile to use it
# instead of downloading gdb from the internet, and crash to gdb 16.3 (crash
# 9.0.x upstream embeds 16.2); dpkg-source -x unpacks both and applies those
# patches.  The fix of upstream crash commit 8a11aa0 (which 8.0.6 needs) is in
# crash 9.  Built like 8.0.6: for the host, with LZO, snappy and zstd.
# Result: $MMAUDIT_CACHE/crash-9.0.x/{crash,defs.h,Makefile.crash,
# .rh_rpm_package,extensions/}; the exact version is in .rh_rpm_package.
#
# Cold build: ~15-20 min on 2 busy cores (gdb 16 is twice gdb 10's size).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
series=9.0
suites="forky sid"
dest=$cache/crash-$series.x
log=$cache/crash-$series.x.build.log
srcdir=$cache/crash-$series.x-source
compress_cflags="-DLZO -DSNAPPY -DZSTD"
compress_ldflags="-llzo2 -lsnappy -lzstd"
# what the cached build must have been made with (the stamp's content); the
# exact crash version is appended once known
config="crash=$series.x target=X86_64 source=debian cflags.extra=$compress_cflags ldflags.extra=$compress_ldflags"

built() {
    [ -x "$dest/crash" ] && [ -f "$dest/defs.h" ] && [ -f "$dest/.mmaudit-built" ] &&
        [ "$(head -n1 "$dest/.mmaudit-built")" = "$config" ]
}
if built; then echo "$dest"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/crash-$series.x.lock"
flock 9
if built; then echo "$dest"; exit 0; fi

# the Debian source package (.dsc, crash and gdb tarballs, debian/), kept
if ! ls "$srcdir"/crash_$series.*.dsc >/dev/null 2>&1; then
    echo "setup-crash9: downloading crash $series.x source (Debian $suites)" >&2
    rm -rf "$srcdir.tmp"; mkdir -p "$srcdir.tmp"
    (cd "$srcdir.tmp" && "$here/apt-alt.sh" "$suites" deb-src source --download-only crash >/dev/null 2>&1 || true)
    ls "$srcdir.tmp"/crash_$series.*.dsc >/dev/null 2>&1 ||
        { echo "setup-crash9: Debian $suites have no crash $series.x source package: $(ls "$srcdir.tmp" | tr '\n' ' ')" >&2; exit 2; }
    ls "$srcdir.tmp"/crash_*.orig-gdb.tar.* >/dev/null 2>&1 ||
        { echo "setup-crash9: the crash source package has no gdb tarball (orig-gdb component)" >&2; exit 2; }
    rm -rf "$srcdir"; mv "$srcdir.tmp" "$srcdir"
fi
dsc=$(ls "$srcdir"/crash_$series.*.dsc | head -n1)

# the cached crash stays usable until the new one replaces it
rm -rf "$dest.tmp" "$dest.new"
dpkg-source --no-copy -x "$dsc" "$dest.tmp" >/dev/null 2>&1 ||
    { echo "setup-crash9: dpkg-source -x $dsc failed" >&2; exit 2; }
cd "$dest.tmp"
version=$(cat .rh_rpm_package)
case $version in $series.*) ;; *) echo "setup-crash9: unpacked crash is $version, not $series.x" >&2; exit 2 ;; esac
[ -d gdb ] || { echo "setup-crash9: no gdb/ source in the unpacked package" >&2; exit 2; }
grep -q 'available\[c\]\[i\] = accessible(ms->stkinfo.ebase\[c\]\[i\]);' x86_64.c ||
    { echo "setup-crash9: crash $version lacks upstream fix 8a11aa0" >&2; exit 2; }
printf '%s\n' $compress_cflags >CFLAGS.extra
printf '%s\n' $compress_ldflags >LDFLAGS.extra
# not the calling make's flags (make -B would make gdb regenerate its Makefile.in)
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
echo "setup-crash9: building crash $version with $(ls gdb-*.patch | sed 's/\.patch$//') (15-20 min on 2 cores; log: $log)" >&2
t0=$(date +%s)
if ! make -j"$(nproc)" target=X86_64 >"$log" 2>&1; then
    # crash's top-level make is not always -j safe on the first pass
    make target=X86_64 >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 2; }
fi
[ -x crash ] || { echo "setup-crash9: build produced no crash binary (see $log)" >&2; exit 2; }
libs=$(ldd ./crash)     # once: `ldd | grep -q` fails under pipefail (SIGPIPE)
for lib in liblzo2 libsnappy libzstd; do
    grep -q "$lib\." <<<"$libs" ||
        { echo "setup-crash9: the built crash is not linked with $lib (see $log)" >&2; exit 2; }
done
echo "setup-crash9: crash $version built in $(( $(date +%s) - t0 )) s" >&2
mkdir -p "$dest.new"
cp crash defs.h .rh_rpm_package "$dest.new/"
cp -r extensions "$dest.new/extensions"
cp Makefile "$dest.new/Makefile.crash"
grep -h '^GDB=' Makefile > "$dest.new/gdb-version" || true
printf '%s\nversion=%s\n' "$config" "$version" >"$dest.new/.mmaudit-built"
cd "$cache"; rm -rf "$dest.tmp" "$dest.old"
[ ! -e "$dest" ] || mv "$dest" "$dest.old"
mv "$dest.new" "$dest"; rm -rf "$dest.old"
echo "$dest"
