#!/usr/bin/env bash
# Runs every cargo-fuzz target (or the ones named) for SECONDS of CPU time each, one after the
# other, at the lowest priority: fuzz/run.sh SECONDS [TARGET...]
#
# Builds with the nightly toolchain (cargo +nightly fuzz build: optimised, with debug assertions
# and overflow checks, no sanitizer: netpry has no unsafe code). Each target starts from its
# committed seeds (fuzz/corpus/TARGET, read only) and its own working corpus (fuzz/work/TARGET,
# kept between runs, not committed); crashes go to fuzz/artifacts/TARGET/, logs to
# fuzz/logs/TARGET.log. A target is stopped once it has used SECONDS of CPU (user + system),
# whatever the wall time, so a busy machine does not shorten the run; FUZZ_MAX_WALL=N also
# stops it after N seconds of wall time (libFuzzer's -max_total_time). The last lines print
# per target: CPU seconds, wall seconds, executions, corpus size and coverage (cov/ft), and
# whether it crashed. Exit status 1 if any target crashed.
set -u
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
cd "$(dirname "$0")/.."
all=(netlink procfs snapshot netstat_args render script)
[ $# -gt 0 ] && targets=("$@") || targets=("${all[@]}")

nice -n 19 cargo +nightly fuzz build -s none -a >/dev/null 2>&1 ||
    nice -n 19 cargo +nightly fuzz build -s none -a || exit 1
bin=fuzz/target/x86_64-unknown-linux-gnu/release
tick=$(getconf CLK_TCK)
mkdir -p fuzz/logs
summary=()
status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
    start=$(date +%s)
    nice -n 19 "$bin/$t" "fuzz/work/$t" "fuzz/corpus/$t" \
        -rss_limit_mb=2048 -max_total_time="${FUZZ_MAX_WALL:-$((secs * 50))}" -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" >"fuzz/logs/$t.log" 2>&1 &
    pid=$!
    cpu=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 2
        # utime + stime of the fuzzer (fields 14 and 15 of /proc/PID/stat, after the comm).
        read -r -a f < <(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || break
        cpu=$(( (f[11] + f[12]) / tick ))
        if [ "$cpu" -ge "$secs" ]; then
            kill -INT "$pid"
            break
        fi
    done
    wait "$pid"
    rc=$?
    wall=$(( $(date +%s) - start ))
    last=$(grep -E '^#[0-9]+' "fuzz/logs/$t.log" | tail -1)
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "fuzz/logs/$t.log" | grep -oE '[0-9]+$')
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last")
    verdict=ok
    if ls "fuzz/artifacts/$t"/crash-* "fuzz/artifacts/$t"/oom-* "fuzz/artifacts/$t"/timeout-* >/dev/null 2>&1 ||
        { [ "$rc" -ne 0 ] && [ "$rc" -ne 72 ] && [ "$rc" -ne 130 ] && ! grep -q 'run interrupted' "fuzz/logs/$t.log"; }; then
        verdict="FAILED (exit $rc, see fuzz/logs/$t.log and fuzz/artifacts/$t)"
        status=1
    fi
    summary+=("$t: cpu ${cpu}s wall ${wall}s execs ${execs:-?} ${cov:-no stats} $verdict")
    echo "${summary[-1]}"
done
echo "--- summary"
printf '%s\n' "${summary[@]}"
exit $status
