#!/usr/bin/env bash
# install-deps.sh - install the Debian packages mmaudit needs (build crash,
# build the extension and tools, boot test kernels, cross-check with drgn).
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail
pkgs=(
    gcc g++ make bison flex texinfo libncurses-dev zlib1g-dev liblzo2-dev
    libsnappy-dev libzstd-dev libelf-dev              # crash 8.0.6 + our tools
    libgmp-dev libmpfr-dev gawk                       # crash 9.0.x: its gdb 16
    qemu-system-x86 busybox-static cpio gzip xz-utils libc6-dev  # test guests
    makedumpfile python3 python3-drgn jq              # dump formats, cross-checks
    libkdumpfile-dev                                  # tools suite: independent VMCOREINFO reader
    libbpf-dev                                        # direct front end: kernel BTF (dsym)
    gdb binutils debuginfod                           # batch: gdb-add-index, vmlinux from debuginfod
    clang libclang-rt-14-dev llvm-14                  # make fuzz: libFuzzer, ASan/UBSan runtimes, llvm-cov
    debhelper fakeroot man-db groff-base rpm          # package suite: dpkg-buildpackage, man -l, rpmbuild
    dpkg-dev perl ca-certificates util-linux coreutils
)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "install-deps: all ${#pkgs[@]} packages present" >&2; exit 0; }
echo "install-deps: installing ${missing[*]}" >&2
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
