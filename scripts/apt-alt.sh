#!/usr/bin/env bash
# apt-alt.sh - run apt-get against other Debian suites of the mirror this
# machine already uses, without touching the system's apt configuration.
#
# usage: scripts/apt-alt.sh "<suite> [suite...]" <types> <apt-get args...>
#   types: "deb", "deb-src" or "deb deb-src"
# The mirror is derived at run time from /etc/apt/sources.list(.d): the URI
# used for the main archive and the one used for the security archive.
# State lives under $MMAUDIT_CACHE/apt-<hash> (default ~/.cache/mmaudit).
set -euo pipefail
suites=$1 types=$2; shift 2
cache=${MMAUDIT_CACHE:-$HOME/.cache/mmaudit}

uris() {
    # print every archive URI in the system's apt sources (deb822 and one-line)
    { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | sed 's/^URIs:[[:space:]]*//' | tr ' ' '\n'
      grep -hs '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
          sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}'
    } | grep -E '^https?://' | sort -u
}
main_uri=$(uris | grep -E '/debian/?$' | head -n1 || true)
sec_uri=$(uris | grep -E '/debian-security/?$' | head -n1 || true)
[ -n "$main_uri" ] || { echo "apt-alt: no Debian archive URI found in apt sources" >&2; exit 2; }

key=$(printf '%s|%s|%s|%s' "$suites" "$types" "$main_uri" "$sec_uri" | md5sum | cut -c1-12)
dir=$cache/apt-$key
mkdir -p "$dir/lists/partial" "$dir/archives/partial"
src=$dir/sources.list
: > "$src"
for s in $suites; do
    for t in $types; do
        case $s in
            *-security) [ -n "$sec_uri" ] && echo "$t [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec_uri $s main" >> "$src" ;;
            *) echo "$t [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $main_uri $s main" >> "$src" ;;
        esac
    done
done
opts=(-o "Dir::Etc::SourceList=$src" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache::Archives=$dir/archives"
      -o "Dir::Cache::pkgcache=$dir/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$dir/srcpkgcache.bin"
      -o "APT::Get::List-Cleanup=0" -o "Acquire::Check-Valid-Until=false")
# refresh the lists at most once a day
stamp=$dir/updated
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
    apt-get "${opts[@]}" -qq update >&2
    touch "$stamp"
fi
exec apt-get "${opts[@]}" "$@"
