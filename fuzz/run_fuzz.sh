#!/usr/bin/env bash
# Fuzz for TOTAL seconds (default 1800) in one process. libFuzzer stops at the first crash, so each crash's input is
# kept under $FUZZ_WORK/crashes/ and the fuzzer starts again (new seed, same corpus) until the time is used up.
# New inputs go to $FUZZ_WORK/corpus, never into the repo; see fuzz/README.md for minimising them into fuzz/corpus.
# Set FUZZ_SKIP_KNOWN=1 to pass over the open findings listed in fuzz_extract.py and look for new ones.
set -u
cd "$(dirname "$0")/.."
TOTAL=${1:-1800}
WORK=${FUZZ_WORK:-/tmp/blocksift-fuzz}
mkdir -p "$WORK/corpus" "$WORK/crashes" "$WORK/logs"
export FUZZ_CRASH_DIR="$WORK/crashes"
start=$(date +%s)
run=0
while :; do
    left=$((TOTAL - ($(date +%s) - start)))
    [ "$left" -le 5 ] && break
    run=$((run + 1))
    began=$(date +%s)
    python3 fuzz/fuzz_extract.py "$WORK/corpus" fuzz/corpus -dict=fuzz/html.dict -max_total_time="$left" \
        -timeout=60 -rss_limit_mb=4096 -max_len=16384 -artifact_prefix="$WORK/crashes/" -print_final_stats=1 \
        >"$WORK/logs/run-$run.log" 2>&1
    code=$?
    echo "run $run exited $code after $(($(date +%s) - start)) s" >>"$WORK/runs.txt"
    if [ "$code" -ne 0 ] && [ $(($(date +%s) - began)) -lt 20 ]; then
        echo "run $run failed at start (see $WORK/logs/run-$run.log): stopping" >>"$WORK/runs.txt"
        break
    fi
done
echo "done: $run runs in $(($(date +%s) - start)) s" >>"$WORK/runs.txt"
