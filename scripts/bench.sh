#!/usr/bin/env bash
# bench.sh runs every teebench benchmark package on this machine, one package
# at a time, writes one result file results/<host>-<tee>-<UTC time>.txt (never
# overwriting one) and renders the report for it.
#
#   ./scripts/bench.sh                          quick profile, all packages
#   TEEBENCH_PROFILE=report ./scripts/bench.sh  the published report's sizes, -count 6
#   BASELINE=results/host-none-....txt ./scripts/bench.sh   compare against another run
#   TAGS=tdx,gpu ./scripts/bench.sh             TDX guest (hard failure if not) and GPU benchmarks
#
# Other knobs: PKGS="cpu_bench io_bench" (subset), BENCH=regexp (-bench),
# COUNT=n (-count), BENCHTIME=d (-benchtime), OUTDIR=dir (default results).
set -uo pipefail
cd "$(dirname "$0")/.."

profile=${TEEBENCH_PROFILE:-quick}
case $profile in
smoke | quick) count=${COUNT:-1} ;;
report) count=${COUNT:-6} ;; # benchstat needs >= 6 samples for a 95% CI
*)
	echo "bench.sh: TEEBENCH_PROFILE=$profile: want smoke, quick or report" >&2
	exit 2
	;;
esac
export TEEBENCH_PROFILE=$profile
tags=${TAGS:-}
tagflag=()
[ -n "$tags" ] && tagflag=(-tags "$tags")

if [ -n "${PKGS:-}" ]; then
	read -r -a pkgs <<<"$PKGS"
else
	pkgs=()
	for p in cpu_bench io_bench net_bench zk_bench llm_bench gpu_bench; do
		[ "$p" = gpu_bench ] && [[ ",$tags," != *,gpu,* ]] && continue
		grep -qs '^func Benchmark' "$p"/*_test.go && pkgs+=("$p")
	done
fi
[ ${#pkgs[@]} -gt 0 ] || {
	echo "bench.sh: no benchmark packages to run" >&2
	exit 2
}

# TEMP (replaced by robust's prebuilt mode): with TEEBENCH_BINDIR, run the
# prebuilt <pkg>.test and manifest/report/attest binaries instead of go.
bindir=${TEEBENCH_BINDIR:-}
# cmd NAME ARGS... runs scripts/NAME, prebuilt or with go run.
cmd() {
	local name=$1
	shift
	if [ -n "$bindir" ]; then
		"$bindir/$name" "$@"
	elif [ "$name" = report ]; then
		go run "./scripts/$name" "$@"
	else
		go run "${tagflag[@]}" "./scripts/$name" "$@"
	fi
}
# The tee value names the file; under -tags tdx this fails on a non-TDX machine.
tee=$(cmd manifest -key tee) || exit 3
host=$(hostname -s 2>/dev/null || hostname)
outdir=${OUTDIR:-results}
mkdir -p "$outdir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$outdir/$host-$tee-$stamp.txt
n=1
while [ -e "$out" ]; do
	out=$outdir/$host-$tee-$stamp-$n.txt
	n=$((n + 1))
done
(set -o noclobber && : >"$out") || {
	echo "bench.sh: cannot create $out" >&2
	exit 2
}

trap 'echo; echo "bench.sh: interrupted; results so far are in $out" >&2; exit 130' INT TERM
echo "bench.sh: profile=$profile count=$count tags=${tags:-none} -> $out" >&2
# runpkg PKG BENCH BENCHTIME runs one package's benchmarks, appending every
# line to the result file as it arrives.
runpkg() {
	if [ -n "$bindir" ]; then
		(cd "$1" && "$bindir/$1.test" -test.run '^$' -test.bench "$2" -test.count "$count" ${3:+-test.benchtime "$3"} -test.timeout 0) 2>&1 | tee -a "$out"
		return "${PIPESTATUS[0]}"
	fi
	go test "${tagflag[@]}" -run '^$' -bench "$2" -count "$count" ${3:+-benchtime "$3"} -timeout 0 "./$1" 2>&1 | tee -a "$out"
	return "${PIPESTATUS[0]}"
}
failed=()
i=0
for p in "${pkgs[@]}"; do
	i=$((i + 1))
	echo "[$i/${#pkgs[@]}] $p ..." >&2
	start=$(date +%s)
	if [ "$p" = net_bench ] && [ -z "${BENCH:-}" ] && [ -z "${BENCHTIME:-}" ]; then
		# One op is one request: -benchtime 5000x is the report's `ab -n 5000`.
		runpkg "$p" '^BenchmarkGateway(Multi)?$' 5000x
		rc=$?
		runpkg "$p" '^BenchmarkGatewayRate$' ""
		rc=$((rc + $?))
	else
		runpkg "$p" "${BENCH:-.}" "${BENCHTIME:-}"
		rc=$?
	fi
	echo "[$i/${#pkgs[@]}] $p done in $(($(date +%s) - start))s (exit $rc)" >&2
	[ "$rc" -eq 0 ] || failed+=("$p")
done
trap - INT TERM

if [[ ",$tags," == *,tdx,* ]]; then
	echo "bench.sh: binding a TDX quote to $out" >&2
	cmd attest "$out" || failed+=("attest")
fi

echo "bench.sh: results in $out" >&2
if [ -d scripts/report ]; then
	md=${out%.txt}.md
	arms=("$out")
	if [ -n "${BASELINE:-}" ]; then
		arms=("$BASELINE" "$out")
		# Arms are grouped by tee:; two runs of the same kind need labels.
		if [ "$(grep -m1 '^tee:' "$BASELINE")" = "tee: $tee" ]; then
			arms=("baseline=$BASELINE" "run=$out")
		fi
	fi
	if cmd report -o "$md" "${arms[@]}"; then
		echo "bench.sh: report in $md" >&2
	else
		failed+=("report")
	fi
elif [ -n "${BASELINE:-}" ]; then
	./scripts/compare.sh "$BASELINE" "$out" || failed+=("compare")
else
	go tool benchstat "$out" || failed+=("benchstat")
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "bench.sh: failed: ${failed[*]} (the results of every package are still in $out)" >&2
	exit 1
fi
