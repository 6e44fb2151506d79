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
#
# Nothing is silent: go test runs with -v under the hood; the result file
# keeps the Go benchmark format (no per-benchmark progress lines), and
# R.skips.tsv beside R.txt lists every skipped benchmark with its reason,
# every failure, every package that produced no rows and an interruption
# (`kind<TAB>package<TAB>benchmark<TAB>reason`, kind skip|fail|norows|
# interrupted). A summary of that file ends the run. The exit status is 1
# when a benchmark failed or a package produced no rows (a package whose
# every benchmark skipped by design, such as gpu_bench without a driver,
# is listed as skipped, not failed), 130 when interrupted (SIGINT, SIGTERM:
# every process the run started is stopped, temporary files are removed,
# the results written so far are kept), 2 on bad input, 3 when the
# manifest cannot be read.
#
# Prebuilt mode (no Go toolchain, e.g. in the container): when
# TEEBENCH_BINDIR is set, or `go` is not on PATH (TEEBENCH_BINDIR then
# defaults to /opt/teebench/bin), each package runs as $TEEBENCH_BINDIR/<pkg>.test
# and manifest, report and attest as $TEEBENCH_BINDIR/<cmd>; summaries and
# exit statuses are the same.
set -uo pipefail
set -m # every package runs as a job of its own, out of the terminal's Ctrl-C group
caller_pwd=$PWD
cd "$(dirname "$0")/.." || exit 2
root=$PWD

# Paths the user gave are taken from where the user ran the command.
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$caller_pwd/$1" ;; esac }
if [ -n "${TEEBENCH_IO_DIR:-}" ]; then
	TEEBENCH_IO_DIR=$(abspath "$TEEBENCH_IO_DIR")
	export TEEBENCH_IO_DIR
fi
[ -n "${OUTDIR:-}" ] && OUTDIR=$(abspath "$OUTDIR")
[ -n "${BASELINE:-}" ] && BASELINE=$(abspath "$BASELINE")

profile=${TEEBENCH_PROFILE:-quick}
case $profile in
smoke | quick) count=${COUNT:-1} ;;
report) count=${COUNT:-6} ;; # benchstat needs >= 6 samples for a 95% CI
*)
	echo "bench.sh: TEEBENCH_PROFILE=$profile: want smoke, quick or report" >&2
	exit 2
	;;
esac
case $count in
'' | *[!0-9]* | 0)
	echo "bench.sh: COUNT=$count: want a positive whole number" >&2
	exit 2
	;;
esac
export TEEBENCH_PROFILE=$profile
tags=${TAGS:-}
tagflag=()
[ -n "$tags" ] && tagflag=(-tags "$tags")

# Prebuilt mode: test binaries and commands instead of the Go toolchain.
bindir=${TEEBENCH_BINDIR:-}
if [ -z "$bindir" ] && ! command -v go >/dev/null 2>&1; then
	bindir=/opt/teebench/bin
fi
if [ -n "$bindir" ]; then
	bindir=$(abspath "$bindir")
	[ -d "$bindir" ] || {
		echo "bench.sh: TEEBENCH_BINDIR=$bindir: no such directory (no go on PATH either)" >&2
		exit 2
	}
fi
# tool CMD ARGS... runs scripts/CMD (go run, or the prebuilt binary).
tool() {
	local c=$1
	shift
	if [ -n "$bindir" ]; then
		"$bindir/$c" "$@"
	else
		go run "${tagflag[@]}" "./scripts/$c" "$@"
	fi
}

all=(cpu_bench io_bench net_bench zk_bench llm_bench gpu_bench)
if [ -n "${PKGS:-}" ]; then
	read -r -a pkgs <<<"$PKGS"
	for p in "${pkgs[@]}"; do
		case " ${all[*]} " in *" $p "*) ;; *)
			echo "bench.sh: PKGS: unknown package $p (want some of: ${all[*]})" >&2
			exit 2
			;;
		esac
	done
else
	pkgs=()
	for p in "${all[@]}"; do
		[ "$p" = gpu_bench ] && [[ ",$tags," != *,gpu,* ]] && continue
		if [ -n "$bindir" ]; then
			[ -x "$bindir/$p.test" ] && pkgs+=("$p")
		else
			grep -qs '^func Benchmark' "$p"/*_test.go && pkgs+=("$p")
		fi
	done
fi
[ ${#pkgs[@]} -gt 0 ] || {
	echo "bench.sh: no benchmark packages to run" >&2
	exit 2
}

# Estimated minutes per package and profile on a 2-core machine: the
# time-based runs the profile's sizes fix (io_bench: 9 jobs x 2 engines x
# (ramp + runtime); net_bench: wrk's duration per c; llm_bench: its
# duration cap) times -count, plus the request-count-based runs as last
# measured on a 2-core VM. An estimate for planning, not a measurement.
estimate() {
	case $profile:$1 in
	smoke:*) echo 1 ;;
	quick:cpu_bench) echo 4 ;;
	quick:io_bench) echo 3 ;;
	quick:net_bench) echo 5 ;;
	quick:zk_bench) echo 3 ;;
	quick:llm_bench) echo 3 ;;
	quick:gpu_bench) echo 2 ;;
	report:cpu_bench) echo 60 ;;
	report:io_bench) echo 40 ;;
	report:net_bench) echo 90 ;;
	report:zk_bench) echo 45 ;;
	report:llm_bench) echo 60 ;;
	report:gpu_bench) echo 20 ;;
	*) echo 5 ;;
	esac
}
# minutes PKG: the estimate scaled to this run's -count.
minutes() {
	local def=1 m
	[ "$profile" = report ] && def=6
	m=$(($(estimate "$1") * count / def))
	echo $((m > 0 ? m : 1))
}

# The tee value names the file; under -tags tdx this fails on a non-TDX machine.
tee=$(tool manifest -key tee) || exit 3
host=$(hostname -s 2>/dev/null || hostname)
outdir=${OUTDIR:-results}
mkdir -p "$outdir" || exit 2
stamp=$(date -u +%Y%m%dT%H%M%SZ)
# Claim a name atomically (noclobber): a second run in the same second, or
# one racing this one, takes the next suffix.
out=$outdir/$host-$tee-$stamp.txt
n=1
until (set -o noclobber && : >"$out") 2>/dev/null; do
	if [ ! -e "$out" ] || [ "$n" -gt 1000 ]; then
		echo "bench.sh: cannot create $out" >&2
		exit 2
	fi
	out=$outdir/$host-$tee-$stamp-$n.txt
	n=$((n + 1))
done
skips=${out%.txt}.skips.tsv
printf '# teebench skips v1\n' >"$skips"

# Temporary files of every package go under one directory removed at the
# end, interrupted or not.
work=$(mktemp -d "${TMPDIR:-/tmp}/teebench-run.XXXXXX") || exit 2
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp

# procs prints "pid ppid sid" for every process.
procs() {
	local f l
	for f in /proc/[0-9]*/stat; do
		{ read -r l <"$f"; } 2>/dev/null || continue
		l=${l##*) }
		# shellcheck disable=SC2086
		set -- $l
		f=${f#/proc/}
		echo "${f%/stat} $2 $4"
	done
}
# tree SID prints every process of session SID and every descendant of
# them, wherever it moved (fio's job processes start sessions of their own).
tree() {
	procs | awk -v s="$1" '
		{ pid[NR] = $1; pp[$1] = $2; if ($3 == s) keep[$1] = 1 }
		END {
			do { more = 0; for (i in pid) { p = pid[i]; if (!(p in keep) && (pp[p] in keep)) { keep[p] = 1; more = 1 } } } while (more)
			for (p in keep) print p
		}'
}
# stop SID stops session SID: SIGINT to all (each test binary removes its
# files and stops its tools), then SIGKILL to what is left after 15 s.
stop() {
	local sid=$1 pids k left
	[ -n "$sid" ] || return 0
	pids=$(tree "$sid")
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill -INT $pids 2>/dev/null
	for ((k = 0; k < 150; k++)); do
		left=$(for p in $pids; do [ -d "/proc/$p" ] && ! grep -qs '^State:.*Z' "/proc/$p/status" && echo "$p"; done)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2046,SC2086
	kill -KILL $(tree "$sid") $left 2>/dev/null
	return 0
}

# The filter of one package's go test -v output: appends to the result file
# (Go benchmark format: result lines, config lines, failures and their
# logs; no per-benchmark progress lines, no skips) and to the skips file
# (skips and failures), and prints the same lines plus each skip with its
# reason. URLs lose their userinfo and query values.
redact() {
	sed -u -E '/:\/\//{s#://[^/@[:space:]"'"'"']*@#://REDACTED@#g;s#([?&][A-Za-z0-9_.~-]+=)[^&[:space:]"'"'"'#<>]*[^&[:space:]"'"'"'#<>:;,.)]#\1REDACTED#g}'
}
filter() {
	awk -v pkg="$1" -v skips="$skips" -v rows="$work/rows" -v out="$out" '
		function reason(   r) { r = logs; gsub(/[\t\r]/, " ", r); sub(/^ +/, "", r); sub(/^[^ :]+\.go:[0-9]+: /, "", r); return r }
		function emit(l) { print l >>out; fflush(out); print l; fflush() }
		function flush() { if (logs != "") { printf "%s", rawlogs >>out; fflush(out); printf "%s", rawlogs; fflush() } logs = ""; rawlogs = "" }
		/^=== (RUN|PAUSE|CONT|NAME)/ { next }
		/^--- SKIP: / { n = $3; printf "skip\t%s\t%s\t%s\n", pkg, n, reason() >>skips; fflush(skips)
			print "--- SKIP: " n ": " reason(); fflush(); logs = ""; rawlogs = ""; next }
		/^--- FAIL: / { n = $3; r = reason()
			if (r != "" || !child[n]) printf "fail\t%s\t%s\t%s\n", pkg, n, (r == "" ? "failed" : r) >>skips
			fflush(skips); m = n; while (sub(/\/[^\/]*$/, "", m)) child[m] = 1
			emit($0); flush(); next }
		/^    / { s = $0; sub(/^    /, "", s); logs = logs (logs == "" ? "" : " ") s; rawlogs = rawlogs $0 "\n"; next }
		/^Benchmark[^ \t]*$/ { flush(); next }
		/^Benchmark[^ \t]*[ \t]+[0-9]+[ \t]/ { nrows++ }
		{ flush(); emit($0) }
		END { flush(); print nrows + 0 >rows }'
}

stage=starting
cur_pkg=-
sid=
job=
on_signal() {
	trap '' INT TERM
	echo >&2
	echo "bench.sh: $1: stopping $cur_pkg ($stage) ..." >&2
	# A package that has just started may not have its session id yet.
	local j
	for ((j = 0; j < 20; j++)); do
		if [ -z "$job" ] || [ -n "$sid" ]; then break; fi
		sid=$(cat "$work/sid" 2>/dev/null)
		[ -n "$sid" ] || sleep 0.05
	done
	stop "$sid"
	[ -n "$job" ] && wait "$job" 2>/dev/null
	printf 'interrupted\t%s\t-\t%s during %s (%s)\n' "$cur_pkg" "$1" "$cur_pkg" "$stage" >>"$skips"
	rm -rf "$work"
	echo "bench.sh: interrupted; results so far are in $out (skips and failures in $skips)" >&2
	exit 130
}
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'rm -rf "$work"' EXIT

# runpkg PKG BENCH BENCHTIME runs one package's benchmarks as a job in a
# session of its own, appending its rows to the result file as they arrive.
# It sets rc (go test's status) and nrows.
runpkg() {
	local p=$1 cmd dir=$root
	if [ -n "$bindir" ]; then
		cmd=("$bindir/$p.test" -test.run '^$' -test.bench "$2" -test.count "$count" ${3:+-test.benchtime "$3"} -test.timeout 0 -test.v)
		[ -d "$root/$p" ] && dir=$root/$p # testdata, when the source is there
	else
		cmd=(go test "${tagflag[@]}" -run '^$' -bench "$2" -count "$count" ${3:+-benchtime "$3"} -timeout 0 -v "./$p")
	fi
	rm -f "$work/sid" "$work/rc" "$work/rows"
	# shellcheck disable=SC2016 # the inner script expands its own $$, $0, $@
	(cd "$dir" && exec setsid -w bash -c 'echo $$ >"$0"; "$@"; echo $? >"${0%/sid}/rc"' "$work/sid" "${cmd[@]}") 2>&1 </dev/null |
		redact | filter "$p" &
	job=$!
	local j
	for ((j = 0; j < 100; j++)); do
		[ -s "$work/sid" ] && break
		sleep 0.05
	done
	sid=$(cat "$work/sid" 2>/dev/null)
	wait "$job"
	job=
	# Whatever the package left running (a server, a tool) is stopped.
	stop "$sid"
	sid=
	rc=$(cat "$work/rc" 2>/dev/null || echo 1)
	nrows=$(cat "$work/rows" 2>/dev/null || echo 0)
}

total=0
for p in "${pkgs[@]}"; do total=$((total + $(minutes "$p"))); done
echo "bench.sh: plan: profile=$profile count=$count tags=${tags:-none}${bindir:+ prebuilt=$bindir} -> $out" >&2
for p in "${pkgs[@]}"; do
	printf 'bench.sh:   %-10s ~%d min (estimate)\n' "$p" "$(minutes "$p")" >&2
done
echo "bench.sh:   total      ~$total min (estimate for a 2-core machine; more cores run the sweeps wider)" >&2

failed=()
i=0
t0=$(date +%s)
done_est=0
for p in "${pkgs[@]}"; do
	i=$((i + 1))
	cur_pkg=$p
	stage=running
	echo "[$i/${#pkgs[@]}] $p ..." >&2
	start=$(date +%s)
	if [ "$p" = net_bench ] && [ -z "${BENCH:-}" ] && [ -z "${BENCHTIME:-}" ]; then
		# One op is one request: -benchtime 5000x is the report's `ab -n 5000`.
		runpkg "$p" '^BenchmarkGateway(Multi)?$' 5000x
		rc1=$rc rows1=$nrows
		# The rest (open loop, TLS handshakes) at their own benchtime.
		runpkg "$p" '^Benchmark(GatewayRate|TLSHandshake)$' ""
		rc=$((rc1 + rc)) nrows=$((rows1 + nrows))
	else
		runpkg "$p" "${BENCH:-.}" "${BENCHTIME:-}"
	fi
	now=$(date +%s)
	done_est=$((done_est + $(minutes "$p")))
	eta=$(((total - done_est) * (now - t0) / (done_est > 0 ? done_est : 1)))
	echo "[$i/${#pkgs[@]}] $p done in $((now - start))s (exit $rc, $nrows rows); elapsed $((now - t0))s, ETA ~$((eta / 60)) min" >&2
	nskip=$(awk -F'\t' -v p="$p" '$1 == "skip" && $2 == p' "$skips" | wc -l)
	nfail=$(awk -F'\t' -v p="$p" '$1 == "fail" && $2 == p' "$skips" | wc -l)
	if [ "$nrows" -eq 0 ]; then
		if [ "$rc" -eq 0 ] && [ "$nskip" -gt 0 ]; then
			printf 'skip\t%s\t-\tevery benchmark skipped (%s skips)\n' "$p" "$nskip" >>"$skips"
		else
			printf 'norows\t%s\t-\tno benchmark rows (go test exit %s)\n' "$p" "$rc" >>"$skips"
			failed+=("$p")
			continue
		fi
	fi
	if [ "$rc" -ne 0 ]; then
		[ "$nfail" -gt 0 ] || printf 'fail\t%s\t-\tgo test exited %s\n' "$p" "$rc" >>"$skips"
		failed+=("$p")
	fi
done
stage=finishing
cur_pkg=-

if [[ ",$tags," == *,tdx,* ]]; then
	echo "bench.sh: binding a TDX quote to $out" >&2
	tool attest "$out" || failed+=("attest")
fi

echo "bench.sh: results in $out" >&2
if ! grep -Eq '^Benchmark[^[:space:]]*[[:space:]]+[0-9]+[[:space:]]' "$out"; then
	echo "bench.sh: no benchmark rows in $out: no report" >&2
else
	md=${out%.txt}.md
	arms=("$out")
	# The arms (label=path) as scripts/report -arms resolves them: by tee:,
	# and file against file when both runs have the same tee value.
	if [ -n "${BASELINE:-}" ] && resolved=$(tool report -arms "$BASELINE" "$out"); then
		mapfile -t arms <<<"$resolved"
	elif [ -n "${BASELINE:-}" ]; then
		arms=("$BASELINE" "$out") # the report names what is wrong with them
	fi
	if tool report -o "$md" "${arms[@]}"; then
		echo "bench.sh: report in $md" >&2
	else
		failed+=("report")
	fi
fi

# The summary: every skip with its reason, every failure, every package
# without rows.
if [ "$(wc -l <"$skips")" -gt 1 ]; then
	echo "bench.sh: not measured (also in $skips):" >&2
	awk -F'\t' 'NR > 1 { printf "  %-6s %s %s: %s\n", $1, $2, $3, $4 }' "$skips" >&2
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "bench.sh: failed: ${failed[*]} (the results of every package are still in $out)" >&2
	exit 1
fi
