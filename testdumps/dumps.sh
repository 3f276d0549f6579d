#!/usr/bin/env bash
# dumps.sh - real test vmcores for mmaudit: Debian cloud kernels booted under
# QEMU TCG with a busybox initramfs running the static workload mmwork.
#
#   dumps.sh make [tag...]          build what is missing (idempotent, locked)
#   dumps.sh list                   one line per complete dump:
#                                   <tag> <mode> <fmt> <vmlinux> <vmcore> <manifest>
#   dumps.sh path <tag> <mode> <fmt>  print a vmcore path (making it if missing)
#   dumps.sh tags                   print the known tags
#   dumps.sh verify                 cross-check the ELF dumps with drgn (verify.py)
#   dumps.sh make-bench [tag]       the benchmark dump (~20,000 tasks, ~2,000 mms)
#   dumps.sh make-kfence [tag]      a live dump booted with kfence.sample_interval=1
#                                   (a populated KFENCE pool; default tag trixie-6.12)
#   dumps.sh make-scenarios [tag...]  scenario dumps: states made by the kernel
#                                   through the test module kmod/mmstate.c
#                                   (default tags: $SCEN_TAGS; scenarios: all,
#                                   or those in $MMAUDIT_SCENARIOS)
#   dumps.sh list-scenarios         one line per complete scenario dump:
#                                   <tag> <scenario> <fmt> <vmlinux> <vmcore> <manifest>
#   dumps.sh kmod <tag>             build the test module for a tag's kernel, print its path
#
# Tags: bookworm-6.1 bullseye-5.10 trixie-6.12; modes: live panic; fmts: elf kdump.
# Everything lives under $MMAUDIT_CACHE (default ~/.cache/mmaudit):
#   kernels/<tag>/{vmlinuz,vmlinux,modules/,abi,version,complete}
#   dumps/<tag>/<mode>.{elf,kdump,manifest.json,serial.log,complete}
#   dumps/scen-<tag>/<scenario>.{elf,kdump,manifest.json,serial.log,complete}
#   kheaders/<abi>/  kmod/<abi>-<hash of kmod/>/mmstate.ko
# See testdumps/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
cache=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}
kdir=$cache/kernels
ddir=$cache/dumps
TAGS=(bookworm-6.1 bullseye-5.10 trixie-6.12)
MODES=(live panic)
FMTS=(elf kdump)
# bump when the guest setup changes in a way not visible in mmwork.c or in
# the per-tag configuration below: complete dumps with another key are redone
WORKLOAD_REV=1
MEM=512M
BOOT_TIMEOUT=${MMAUDIT_BOOT_TIMEOUT:-240}   # boot + workload setup, seconds
RUN_TIMEOUT=${MMAUDIT_RUN_TIMEOUT:-480}     # whole QEMU run, seconds
# benchmark dump (make-bench): ~20,000 tasks in ~2,000 mms
BENCH_MEM=3G
BENCH_APPEND="mmwork.procs=1990 mmwork.threads=10 mmwork.singles=0 mmwork.maxthreads=200000 mmwork.settle=120000"
BENCH_BOOT_TIMEOUT=1500
BENCH_RUN_TIMEOUT=1800
# scenario dumps (make-scenarios): see scen_conf and testdumps/README.md
SCENARIOS=(kthread_use_mm leak_grab leak_get extra_mmdrop bit_clear leaked_lazy hotplug stuck_flush busy_flush extra_mmput missed_flush)
SCEN_TAGS=${MMAUDIT_SCEN_TAGS:-bookworm-6.1 bullseye-5.10 trixie-6.12}
SCEN_BOOT_TIMEOUT=180

say() { echo "dumps.sh: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# per-tag configuration: apt suites, preferred ABI (fallback: older ones
# that actually download), glob listing candidate ABIs, QEMU CPUs, extra
# kernel parameters
tag_conf() {
    case $1 in
    bookworm-6.1)
        suites="bookworm bookworm-security"
        prefer=6.1.0-56-cloud-amd64
        glob='linux-image-6.1.0-*-cloud-amd64-dbg'
        smp="4"; extra="" ;;
    bullseye-5.10)
        suites="bullseye bullseye-security"
        prefer=5.10.0-43-cloud-amd64      # -44..-46 are listed but 404
        glob='linux-image-5.10.0-*-cloud-amd64-dbg'
        smp="4"; extra="" ;;
    trixie-6.12)
        suites="trixie trixie-security"
        prefer=6.12.117+deb13-cloud-amd64
        glob='linux-image-6.12.*-cloud-amd64-dbg'
        # 72 possible CPUs (nr_cpu_ids 72: cpumasks span two words), boot 2,
        # the guest onlines cpu66 and pins a spinner and a thread there
        smp="72"; extra="maxcpus=2 mmwork.online=66 mmwork.pincpu=66" ;;
    *) die "unknown tag '$1' (known: ${TAGS[*]})" ;;
    esac
}

apt_alt() { "$repo/scripts/apt-alt.sh" "$suites" deb "$@"; }

# candidate ABIs: the preferred one first, then older ones, newest first
candidates() {
    { echo "$prefer"
      apt_alt -qq --print-uris download "$glob" 2>/dev/null |
          awk '{print $2}' | sed -nE 's/^linux-image-(.+)-dbg_.*/\1/p'
    } | sort -Vru | awk -v p="$prefer" '$0 == p {on = 1} on' | head -n 5
}

# ------------------------------------------------------------------ kernels
fetch_kernel() {
    local tag=$1 out=$kdir/$1 tmp=$kdir/$1.tmp abi="" t0=$SECONDS
    [ -e "$out/complete" ] && return 0
    tag_conf "$tag"
    say "$tag: fetching kernel (preferred ABI $prefer)"
    rm -rf "$tmp"
    mkdir -p "$tmp/debs" "$tmp/x" "$tmp/modules"
    local c
    for c in $(candidates); do
        say "$tag: downloading linux-image-$c-unsigned and -dbg"
        if (cd "$tmp/debs" && apt_alt -q -o APT::Sandbox::User=root download \
                "linux-image-$c-unsigned" "linux-image-$c-dbg" >&2); then
            abi=$c
            break
        fi
        say "$tag: ABI $c does not download, trying an older one"
        rm -f "$tmp/debs/"*
    done
    [ -n "$abi" ] || die "$tag: no kernel ABI could be downloaded"
    local udeb ddeb
    udeb=$(ls "$tmp/debs/linux-image-$abi-unsigned_"*.deb)
    ddeb=$(ls "$tmp/debs/linux-image-$abi-dbg_"*.deb)
    say "$tag: extracting vmlinuz, modules and vmlinux of $abi"
    # modules are in ./lib/modules (bullseye, bookworm) or ./usr/lib/modules (trixie)
    local md
    md=$(dpkg-deb -c "$udeb" | awk -v a="$abi" '$6 == "./lib/modules/" a "/" || $6 == "./usr/lib/modules/" a "/" {print $6}')
    md=${md%%$'\n'*}
    md=${md%/}
    [ -n "$md" ] || die "$tag: no modules directory in $udeb"
    dpkg-deb --fsys-tarfile "$udeb" | tar -x -C "$tmp/x" --wildcards \
        "./boot/vmlinuz-$abi" "$md/modules.builtin" \
        "$md/kernel/drivers/firmware/qemu_fw_cfg.ko*" \
        "$md/kernel/drivers/misc/pvpanic*"
    dpkg-deb --fsys-tarfile "$ddeb" | tar -x -C "$tmp/x" "./usr/lib/debug/boot/vmlinux-$abi"
    dpkg-deb -f "$ddeb" Version > "$tmp/version"
    mv "$tmp/x/boot/vmlinuz-$abi" "$tmp/vmlinuz"
    mv "$tmp/x/usr/lib/debug/boot/vmlinux-$abi" "$tmp/vmlinux"
    local f m
    while IFS= read -r f; do
        m=$(basename "$f"); m=${m%%.ko*}
        case $f in
            *.ko.xz) xz -dc "$f" > "$tmp/modules/$m.ko" ;;
            *.ko.zst) zstd -qdc "$f" > "$tmp/modules/$m.ko" ;;
            *.ko.gz) gzip -dc "$f" > "$tmp/modules/$m.ko" ;;
            *.ko) cp "$f" "$tmp/modules/$m.ko" ;;
        esac
    done < <(find "$tmp/x" -name '*.ko*')
    # load order (dependencies first); pvpanic-mmio drives QEMU's ISA pvpanic
    # device (ACPI QEMU0001) on >= 5.12, plain pvpanic on 5.10
    : > "$tmp/modules/load.list"
    for m in qemu_fw_cfg pvpanic pvpanic-mmio; do
        if [ -e "$tmp/modules/$m.ko" ]; then
            echo "$m" >> "$tmp/modules/load.list"
        elif ! grep -q "/$m.ko" "$tmp/x/$md/modules.builtin" 2>/dev/null; then
            [ "$m" = pvpanic-mmio ] || die "$tag: module $m neither in the package nor built in"
        fi
    done
    rm -f "$tmp/modules/pvpanic-pci.ko"
    echo "$abi" > "$tmp/abi"
    rm -rf "$tmp/debs" "$tmp/x"
    touch "$tmp/complete"
    rm -rf "$out"
    mv "$tmp" "$out"
    say "$tag: kernel $abi ($(cat "$out/version")) ready in $((SECONDS - t0)) s: $out"
}

# ------------------------------------------------------------------ test module
# The scenario dumps load testdumps/kmod/mmstate.c, built against the Debian
# headers of the tag's kernel: linux-headers-<abi> and what it depends on
# (linux-headers-<ver>-common, linux-kbuild-<ver>), downloaded from the tag's
# suites and extracted under $cache/kheaders/<abi> (never installed).

kmod_hash() {
    (cd "$here/kmod" && cat Kbuild mmstate.c) | sha256sum | cut -c1-16
}

# the newest GLIBC_x.y an ELF file needs (empty when none)
glibc_need() {
    objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n1
}

fetch_headers() {   # tag; prints the headers directory
    local tag=$1 abi out tmp deb deps f need host libs=""
    abi=$(cat "$kdir/$tag/abi")
    out=$cache/kheaders/$abi
    if [ ! -e "$out/complete" ]; then
        tag_conf "$tag"
        say "$tag: fetching the Debian headers of $abi"
        tmp=$out.tmp
        rm -rf "$tmp"
        mkdir -p "$tmp/debs" "$tmp/root"
        (cd "$tmp/debs" && apt_alt -q -o APT::Sandbox::User=root download "linux-headers-$abi" >&2) ||
            die "$tag: linux-headers-$abi does not download"
        deb=$(ls "$tmp/debs/linux-headers-$abi"_*.deb)
        deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/^ *//; s/[ (].*//' |
               grep -E '^linux-(headers|kbuild)-' || true)
        [ -n "$deps" ] || die "$tag: no headers/kbuild dependency in $deb"
        # kbuild host programs linked against a newer glibc than this
        # machine's run with the suite's own libc (extracted, not installed)
        (cd "$tmp/debs" && apt_alt -q -o APT::Sandbox::User=root download $deps >&2) ||
            die "$tag: cannot download $deps"
        for deb in "$tmp/debs/"*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
        host=$(ldd --version | head -n1 | grep -o '[0-9][0-9.]*$')
        while IFS= read -r f; do
            need=$(glibc_need "$f")
            [ -n "$need" ] || continue
            [ "$(printf '%s\n%s\n' "$need" "$host" | sort -V | tail -n1)" = "$host" ] && continue
            libs="$libs $f"
        done < <(find "$tmp/root/usr/lib" -path '*linux-kbuild-*' -type f -perm -u+x)
        if [ -n "$libs" ]; then
            say "$tag: kbuild programs need a newer glibc than $host:$(for f in $libs; do printf ' %s' "${f##*/}"; done)"
            (cd "$tmp/debs" && rm -f ./*.deb && apt_alt -q -o APT::Sandbox::User=root download libc6 libelf1t64 libzstd1 zlib1g >&2) ||
                die "$tag: cannot download the suite's libc6"
            mkdir -p "$tmp/libc"
            for deb in "$tmp/debs/"*.deb; do dpkg-deb -x "$deb" "$tmp/libc"; done
            for f in $libs; do
                mv "$f" "$f.bin"
                printf '#!/bin/sh\n# %s needs glibc %s: run it with the suite libc under %s\nl=%s\nexec "$l/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$l/usr/lib/x86_64-linux-gnu:$l/lib/x86_64-linux-gnu" "$0.bin" "$@"\n' \
                    "${f##*/}" "$(glibc_need "$f.bin")" "$out/libc" "$out/libc" > "$f"
                chmod 755 "$f"
            done
        fi
        rm -rf "$tmp/debs"
        mv "$tmp" "$out.new"
        rm -rf "$out"
        mv "$out.new" "$out"
        # the arch Makefile includes the -common one by absolute path
        sed -i -E "s|^include /usr/src/|include $out/root/usr/src/|" "$out/root/usr/src/linux-headers-$abi/Makefile"
        touch "$out/complete"
    fi
    echo "$out/root/usr/src/linux-headers-$abi"
}

# path of mmstate.ko for a tag's kernel (built if missing, cached by ABI and
# source hash); fails with the build log when the toolchain cannot build it
kmod_path() {   # tag
    local tag=$1 abi h out hdr cc want vars=() t0=$SECONDS
    abi=$(cat "$kdir/$tag/abi")
    h=$(kmod_hash)
    out=$cache/kmod/$abi-$h
    if [ ! -s "$out/mmstate.ko" ]; then
        hdr=$(fetch_headers "$tag")
        # the compiler the kernel was built with (gcc-10 for 5.10, gcc-12
        # for 6.1, gcc-14 for 6.12); the host's gcc when it is not installed
        want=$(sed -nE 's/^CC = .*\)(gcc-[0-9]+)$/\1/p' "$hdr/.kernelvariables" | head -n1)
        cc=${want:-gcc}
        command -v "$cc" > /dev/null || cc=gcc
        # no BTF for the module (pahole is not needed; nothing reads it)
        vars=(CC="$cc" CONFIG_DEBUG_INFO_BTF_MODULES=)
        # a kernel configured with gcc >= 14 asks for -fmin-function-alignment;
        # for compilers without it the kernel's own fallback is -falign-functions
        if grep -q '^CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=y' "$hdr/.config" &&
                ! echo 'int x;' | "$cc" -fmin-function-alignment=16 -x c -c -o /dev/null - 2> /dev/null; then
            vars+=(CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=)
        fi
        say "$tag: building mmstate.ko for $abi with $cc (kernel built with ${want:-?})"
        rm -rf "$out.tmp"
        mkdir -p "$out.tmp"
        cp "$here/kmod/Kbuild" "$here/kmod/mmstate.c" "$out.tmp/"
        echo "abi=$abi cc=$cc ($("$cc" --version | head -n1)) kernel_cc=${want:-?} vars=${vars[*]}" > "$out.tmp/build.info"
        if ! make -C "$hdr" M="$out.tmp" "${vars[@]}" modules > "$out.tmp/build.log" 2>&1; then
            tail -n 20 "$out.tmp/build.log" >&2
            die "$tag: mmstate.ko does not build for $abi (log: $out.tmp/build.log)"
        fi
        grep -E 'warning|error' "$out.tmp/build.log" >&2 || true
        rm -rf "$out"
        mv "$out.tmp" "$out"
        say "$tag: mmstate.ko built in $((SECONDS - t0)) s: $out/mmstate.ko"
    fi
    echo "$out/mmstate.ko"
}

# ------------------------------------------------------------------ guest
mmwork_bin() {
    local h bin
    h=$(sha256sum "$here/mmwork.c" | cut -c1-16)
    bin=$cache/build/mmwork-$h
    if [ ! -x "$bin" ]; then
        mkdir -p "$cache/build"
        gcc -static -O2 -Wall -Wextra -pthread -o "$bin.tmp" "$here/mmwork.c" >&2
        mv "$bin.tmp" "$bin"
    fi
    echo "$bin"
}

init_script() {
    cat <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
for m in $(cat /lib/modules/load.list); do
    insmod /lib/modules/$m.ko || echo "init: insmod $m failed"
done
echo "init: modules loaded: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
exec /mmwork
EOF
}

build_initramfs() {   # tag dir out [module .ko]
    local tag=$1 out=$3 ko=${4:-} st
    st=$(mktemp -d "$2/initramfs.XXXXXX")
    mkdir -p "$st/bin" "$st/proc" "$st/sys" "$st/dev" "$st/lib/modules"
    cp /bin/busybox "$st/bin/busybox"
    cp "$(mmwork_bin)" "$st/mmwork"
    cp "$kdir/$tag/modules/"* "$st/lib/modules/"
    [ -z "$ko" ] || cp "$ko" "$st/lib/modules/mmstate.ko"   # loaded by mmwork, not by /init
    init_script > "$st/init"
    chmod 755 "$st/init" "$st/mmwork" "$st/bin/busybox"
    (cd "$st" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$st"
}

# key of a dump: changes when the workload, the kernel or the setup changes
dump_key() {   # tag mode (after variant_conf)
    local tag=$1 mode=$2
    { echo "rev=$WORKLOAD_REV mem=$mem smp=$smp extra=$extra mode=$mode${ko:+ kmod=$ko}"
      cat "$kdir/$tag/abi" "$here/mmwork.c"; init_script; } | sha256sum | cut -c1-16
}

dump_complete() {   # dir mode
    [ -e "$1/$2.complete" ] && [ -s "$1/$2.elf" ] && [ -s "$1/$2.kdump" ] &&
        [ -s "$1/$2.manifest.json" ]
}

# per-variant settings on top of tag_conf: sets d mem extra boot_to run_to,
# stem (file names in d) and ko (test module to put in the initramfs)
variant_conf() {   # tag variant mode
    tag_conf "$1"
    stem=${3:-live} ko=""
    case ${2:-} in
    "") d=$ddir/$1; mem=$MEM; boot_to=$BOOT_TIMEOUT; run_to=$RUN_TIMEOUT ;;
    bench) d=$ddir/bench-$1; mem=$BENCH_MEM; extra="$extra $BENCH_APPEND"
           boot_to=$BENCH_BOOT_TIMEOUT; run_to=$BENCH_RUN_TIMEOUT ;;
    kfence) d=$ddir/kfence-$1; mem=$MEM; extra="$extra kfence.sample_interval=1"
            boot_to=$BOOT_TIMEOUT; run_to=$RUN_TIMEOUT ;;
    scen:*) d=$ddir/scen-$1; mem=$MEM; boot_to=$SCEN_BOOT_TIMEOUT; run_to=$RUN_TIMEOUT
            stem=${2#scen:}; scen_conf "$1" "$stem"; ko=$(kmod_path "$1") ;;
    *) die "unknown variant $2" ;;
    esac
}

# per-scenario guest setup (after tag_conf): -smp and kernel arguments
scen_conf() {   # tag scenario
    case $2 in
    hotplug)
        # 160 possible CPUs (nr_cpu_ids 160: three cpumask words), boot 2,
        # online cpu130 (word 2), then offline cpu1 once a spinner ran there
        smp=160; extra="maxcpus=2 mmwork.online=130 mmwork.offline=1" ;;
    *) smp=4; extra="" ;;
    esac
    extra="$extra mmwork.scenario=$2"
    extra=${extra# }
}

make_dump() {   # tag mode [variant]
    local tag=$1 mode=$2 variant=${3:-} key t0=$SECONDS d mem boot_to run_to stem ko
    variant_conf "$tag" "$variant" "$mode"
    key=$(dump_key "$tag" "$mode")
    if dump_complete "$d" "$stem"; then
        if [ "$(cat "$d/$stem.complete")" = "$key" ]; then
            return 0
        fi
        say "$tag $stem: stale (workload or kernel changed), redoing"
    fi
    mkdir -p "$d"
    rm -f "$d/$stem.complete" "$d/$stem.elf" "$d/$stem.kdump" "$d/$stem.manifest.json" \
        "$d/$stem".*.part
    local abi initrd sockdir append
    abi=$(cat "$kdir/$tag/abi")
    initrd=$d/initramfs.cpio.gz
    build_initramfs "$tag" "$d" "$initrd" "$ko"
    sockdir=$(mktemp -d /tmp/mmaudit-qmp.XXXXXX)
    append="console=ttyS0 loglevel=4 panic=0 mmwork.mode=$mode $extra"
    say "$tag $stem${variant:+ ($variant)}: booting $abi under QEMU TCG (-smp $smp, $mem)"
    local host
    host=$(printf '{"tag":"%s","abi":"%s","package_version":"%s","qemu_smp":"%s","memory":"%s","append":"%s","qemu":"%s"}' \
        "$tag" "$abi" "$(cat "$kdir/$tag/version")" "$smp" "$mem" "$append" \
        "$(qemu-system-x86_64 --version | head -n1)")
    # A TCG boot can fail by chance (seen: an int3 oops while the 72-CPU
    # trixie guest patched kernel text at boot, under load): try up to five
    # times; a failed boot is detected within seconds (qmp.py fails fast).
    local rc=1 attempt
    for attempt in 1 2 3 4 5; do
        rc=0
        python3 "$here/qmp.py" --mode "$mode" --qmp "$sockdir/qmp" --serial "$d/$stem.serial.log" \
            --elf "$d/$stem.elf" --kdump "$d/$stem.kdump" --manifest "$d/$stem.manifest.json" \
            --host-json "$host" --timeout "$boot_to" --total-timeout "$run_to" -- \
            qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" \
            -nodefaults -no-user-config -display none \
            -serial "file:$d/$stem.serial.log" -qmp "unix:$sockdir/qmp,server=on,wait=off" \
            -device vmcoreinfo -device pvpanic -action panic=pause -no-reboot \
            -kernel "$kdir/$tag/vmlinuz" -initrd "$initrd" -append "$append" || rc=$?
        [ "$rc" = 0 ] && break
        [ "$attempt" -lt 5 ] && say "$tag $stem: attempt $attempt failed, booting again"
        cp -f "$d/$stem.serial.log" "$d/$stem.serial.log.failed-$attempt" 2>/dev/null || true
    done
    [ "$rc" = 0 ] || die "$tag $stem: QEMU run failed (serial log: $d/$stem.serial.log)"
    jq -e .processes "$d/$stem.manifest.json" > /dev/null || die "$tag $stem: bad manifest"
    echo "$key" > "$d/$stem.complete"
    say "$tag $stem: done in $((SECONDS - t0)) s: $d/$stem.{elf,kdump,manifest.json}"
}

lock() {
    mkdir -p "$kdir" "$ddir"
    exec 9> "$cache/dumps.lock"
    if ! flock -n 9; then
        say "waiting for another dumps.sh make to finish"
        flock 9
    fi
}

do_make() {
    local tags=("$@") tag mode t0=$SECONDS
    [ ${#tags[@]} -gt 0 ] || tags=("${TAGS[@]}")
    for tag in "${tags[@]}"; do tag_conf "$tag"; done
    lock
    for tag in "${tags[@]}"; do
        fetch_kernel "$tag"
        for mode in "${MODES[@]}"; do
            make_dump "$tag" "$mode"
        done
    done
    exec 9>&-
    say "make: all complete (${tags[*]}) in $((SECONDS - t0)) s"
}

# one live boot of a variant (kfence); prints "<tag> live <fmt> <vmlinux>
# <vmcore> <manifest>" lines like list
do_make_variant() {   # variant tag
    local variant=$1 tag=$2 fmt d mem boot_to run_to stem ko t0=$SECONDS
    tag_conf "$tag"
    lock
    fetch_kernel "$tag"
    make_dump "$tag" live "$variant"
    exec 9>&-
    variant_conf "$tag" "$variant"
    say "make-$variant: complete in $((SECONDS - t0)) s"
    for fmt in "${FMTS[@]}"; do
        echo "$tag live $fmt $kdir/$tag/vmlinux $d/live.$fmt $d/live.manifest.json"
    done
}

# the benchmark dump: one live boot, ~20,000 tasks / ~2,000 mms, 3G guest;
# prints "<tag> live <fmt> <vmlinux> <vmcore> <manifest>" lines like list
do_make_bench() {
    local tag=${1:-bookworm-6.1} fmt d mem boot_to run_to t0=$SECONDS
    tag_conf "$tag"
    lock
    fetch_kernel "$tag"
    make_dump "$tag" live bench
    exec 9>&-
    variant_conf "$tag" bench
    say "make-bench: complete in $((SECONDS - t0)) s"
    for fmt in "${FMTS[@]}"; do
        echo "$tag live $fmt $kdir/$tag/vmlinux $d/live.$fmt $d/live.manifest.json"
    done
}

# scenario dumps (one live boot each) of the given tags; a scenario that
# fails is reported and the others go on; exit 1 if any failed
do_make_scenarios() {
    local tags=("$@") tag sc t0=$SECONDS failed=() scens
    [ ${#tags[@]} -gt 0 ] || read -r -a tags <<< "$SCEN_TAGS"
    read -r -a scens <<< "${MMAUDIT_SCENARIOS:-${SCENARIOS[*]}}"
    for tag in "${tags[@]}"; do tag_conf "$tag"; done
    lock
    for tag in "${tags[@]}"; do
        fetch_kernel "$tag"
        if ! (kmod_path "$tag" > /dev/null); then
            say "$tag: no test module: no scenario dumps for this kernel"
            failed+=("$tag:kmod")
            continue
        fi
        for sc in "${scens[@]}"; do
            (make_dump "$tag" live "scen:$sc") || failed+=("$tag:$sc")
        done
    done
    exec 9>&-
    say "make-scenarios: ${tags[*]} in $((SECONDS - t0)) s${failed[*]:+; FAILED: ${failed[*]}}"
    [ ${#failed[@]} -eq 0 ]
}

do_list_scenarios() {
    local tag sc fmt d
    for tag in "${TAGS[@]}"; do
        d=$ddir/scen-$tag
        for sc in "${SCENARIOS[@]}"; do
            dump_complete "$d" "$sc" && [ -e "$kdir/$tag/complete" ] || continue
            for fmt in "${FMTS[@]}"; do
                echo "$tag $sc $fmt $kdir/$tag/vmlinux $d/$sc.$fmt $d/$sc.manifest.json"
            done
        done
    done
}

# cross-check every complete ELF dump against its manifest with drgn
do_verify() {
    local tag mode fmt vmlinux core man rc=0
    while read -r tag mode fmt vmlinux core man; do
        [ "$fmt" = elf ] || continue
        DRGN_USE_LIBKDUMPFILE_FOR_ELF=1 /usr/bin/python3 -m drgn -q -c "$core" -s "$vmlinux" \
            "$here/verify.py" "$man" || rc=1
    done < <(do_list)
    return $rc
}

do_list() {
    local tag mode fmt
    for tag in "${TAGS[@]}"; do
        for mode in "${MODES[@]}"; do
            dump_complete "$ddir/$tag" "$mode" && [ -e "$kdir/$tag/complete" ] || continue
            for fmt in "${FMTS[@]}"; do
                echo "$tag $mode $fmt $kdir/$tag/vmlinux $ddir/$tag/$mode.$fmt $ddir/$tag/$mode.manifest.json"
            done
        done
    done
}

do_path() {
    [ $# = 3 ] || die "usage: dumps.sh path <tag> <mode> <fmt>"
    local tag=$1 mode=$2 fmt=$3
    tag_conf "$tag"
    case $mode in live|panic) ;; *) die "unknown mode '$mode' (live, panic)" ;; esac
    case $fmt in elf|kdump) ;; *) die "unknown format '$fmt' (elf, kdump)" ;; esac
    if ! dump_complete "$ddir/$tag" "$mode" || [ ! -e "$kdir/$tag/complete" ]; then
        do_make "$tag" >&2
    fi
    echo "$ddir/$tag/$mode.$fmt"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    make) do_make "$@" ;;
    make-bench) do_make_bench "$@" ;;
    make-kfence) do_make_variant kfence "${1:-trixie-6.12}" ;;
    make-scenarios) do_make_scenarios "$@" ;;
    list-scenarios) do_list_scenarios ;;
    kmod) [ $# = 1 ] || die "usage: dumps.sh kmod <tag>"; tag_conf "$1"; lock; fetch_kernel "$1"; kmod_path "$1" ;;
    verify) do_verify ;;
    list) do_list ;;
    path) do_path "$@" ;;
    tags) printf '%s\n' "${TAGS[@]}" ;;
    *) echo "usage: dumps.sh make [tag...] | list | path <tag> <mode> <fmt> | tags | verify | make-bench [tag] | make-kfence [tag] | make-scenarios [tag...] | list-scenarios | kmod <tag>" >&2; exit 2 ;;
esac
