#!/usr/bin/env bash
# record-types.sh [TAG...] - record the REAL crash's layout of every struct
# the core and the slab walk read (crash's `struct -o NAME`: every member's
# offset, also inside anonymous structs/unions, and the size) and the
# enumerators they use (`p/d NAME`), for the dsym suite:
# tests/direct/fixtures/<tag>.types.  Lines:
#   offset <struct> <member> <offset>
#   size <struct> <size|-1>
#   enum <name> <value|->
#   symsize <symbol> <size|-1>          (`p/d sizeof(NAME)`)
# Members of named nested structs are not listed (crash does not expand
# them); a member name occurring twice in one listing is skipped.
# Needs the cached crash and the test dumps.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
OUT=$ROOT/tests/direct/fixtures
mkdir -p "$OUT"
[ -x "$CRASH" ] || { echo "no crash at $CRASH (make crash)"; exit 2; }
STRUCTS="task_struct mm_struct thread_info signal_struct rq tlb_state tlb_state_shared
 tlb_context __call_single_data call_function_data cfd_percpu flush_tlb_info cpumask
 root_domain llist_head llist_node list_head kmem_cache kmem_cache_cpu slab page folio
 kfence_metadata mm_context_t atomic_t"
ENUMS="PG_slab PGTY_slab PG_compound PG_reclaim PG_tail PG_head TASK_COMM_LEN"
# symbols whose size the core asks (crash: the variable's debuginfo type)
SYMS="task_state_array call_single_queue __kfence_pool kfence_metadata"
tags=("$@")
if [ ${#tags[@]} -eq 0 ]; then
    mapfile -t tags < <("$ROOT/testdumps/dumps.sh" list | awk '$2 == "live" && $3 == "elf" { print $1 }')
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tag in "${tags[@]}"; do
    read -r _ _ _ vmlinux vmcore _ < <("$ROOT/testdumps/dumps.sh" list | awk -v t="$tag" '$1 == t && $2 == "live" && $3 == "elf"')
    [ -n "${vmcore:-}" ] || { not_ok "$tag: no live ELF dump"; continue; }
    {
        for s in $STRUCTS; do echo "struct -o $s > $work/$tag.struct.$s"; done
        # (a redirected p/d fails once a struct command ran: the answers
        # go to the log, one line each, in order)
        for e in $ENUMS; do echo "p/d $e"; done
        for e in $SYMS; do echo "p/d sizeof($e)"; done
    } > "$work/$tag.cmds"
    run_crash "$vmlinux" "$vmcore" "$work/$tag.out" < "$work/$tag.cmds"
    python3 - "$work" "$tag" "$STRUCTS" "$ENUMS" "$work/$tag.out" "$SYMS" > "$work/$tag.types" <<'EOF'
import os, re, sys
work, tag, structs, enums = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
answers = [l for l in open(sys.argv[5], errors="replace").read().splitlines()
           if re.match(r"^\$\d+ = ", l) or "request failed: p/d" in l]
print("# what crash 8.0.6 answered: struct -o / p/d (tests/direct/record-types.sh)")
for s in structs:
    p = os.path.join(work, "%s.struct.%s" % (tag, s))
    text = open(p, errors="replace").read() if os.path.exists(p) else ""
    m = re.search(r"^SIZE: (\d+)", text, re.M)
    if not m:
        print("size %s -1" % s)
        continue
    print("size %s %s" % (s, m.group(1)))
    seen, dup = {}, set()
    for line in text.splitlines():
        mm = re.match(r"^\s*\[(\d+)\]\s+(.*);\s*$", line)
        if not mm:
            continue
        decl = re.sub(r"\s*:\s*\d+$", "", mm.group(2))        # bitfield width
        f = re.search(r"\(\*+\s*(\w+)\)\s*\(", decl)          # function pointer
        name = f.group(1) if f else None
        if not name:
            n = re.search(r"(\w+)\s*(\[[^\]]*\])*$", decl)
            name = n.group(1) if n else None
        if not name:
            continue
        if name in seen:
            dup.add(name)
        seen[name] = mm.group(1)
    for name, off in seen.items():
        if name not in dup:
            print("offset %s %s %s" % (s, name, off))
syms = sys.argv[6].split()
if len(answers) != len(enums) + len(syms):
    sys.exit("p/d answers: %d for %d questions" % (len(answers), len(enums) + len(syms)))
for e, a in zip(enums, answers):
    m = re.match(r"^\$\d+ = (-?\d+)\s*$", a)
    print("enum %s %s" % (e, m.group(1) if m else "-"))
for e, a in zip(syms, answers[len(enums):]):
    m = re.match(r"^\$\d+ = (-?\d+)\s*$", a)
    print("symsize %s %s" % (e, m.group(1) if m else "-1"))
EOF
    n=$(grep -c '^offset' "$work/$tag.types")
    if [ "$n" -gt 100 ]; then
        cp "$work/$tag.types" "$OUT/$tag.types"
        ok "$tag: $n member offsets, $(grep -c '^size' "$work/$tag.types") structs, $(grep -c '^enum' "$work/$tag.types") enumerators"
    else
        not_ok "$tag: only $n member offsets from crash" "$(tail -3 "$work/$tag.out")"
    fi
done
finish record-types
