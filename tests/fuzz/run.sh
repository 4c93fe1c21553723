#!/bin/sh
# Run each fuzz target built by `make fuzz` for a bounded time, one after
# the other (one process: other jobs share the machine).
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (from the build directory)
# New inputs go to tests/fuzz/work/TARGET/ (the seeds in the source tree
# are read, never written); a crashing input is saved in tests/fuzz/work/
# and printed, and the script fails.
set -u
secs=${1:?usage: run.sh SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-stanza catchup join sanitize jid fallback theme settings styling}
status=0
for t in $targets; do
    work=tests/fuzz/work/$t
    mkdir -p "$work"
    dict=""
    case $t in stanza | catchup | join) dict="-dict=$here/stanza.dict" ;; esac
    echo "--- fuzz-$t for ${secs}s"
    # shellcheck disable=SC2086
    if ! tests/fuzz/fuzz-$t -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 $dict -artifact_prefix="tests/fuzz/work/$t-" \
        "$work" "$here/corpus/$t" >"tests/fuzz/work/$t.log" 2>&1; then
        status=1
        tail -n 60 "tests/fuzz/work/$t.log"
        for f in tests/fuzz/work/"$t"-*; do
            [ -f "$f" ] || continue
            echo "--- $f (base64):"
            base64 "$f"
        done
    fi
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)" "tests/fuzz/work/$t.log" || true
done
exit "$status"
