#!/usr/bin/env bash
# pr-bench.sh benchmarks a pull request's base and head commits on this
# runner and writes the review material. Used by .github/workflows/bench.yml
# (hosted runner) and bench-tee-pr.yml ([self-hosted, <TEE tag>]); runs locally too:
#
#   BASE_SHA=origin/main scripts/ci/pr-bench.sh OUT
#
# Base and head alternate (ROUNDS runs of each, base first), so drift on a
# shared runner falls on both sides alike; each side's runs are joined into
# one file per attempt: OUT/try1/{base,head}.txt (try2 is the gate's
# rerun), with the runs under OUT/tryN/{base,head}/<round>/. OUT also gets
# comment.md (the PR-review section: scripts/report -pr), full-table.md (every
# benchmark and unit, which the comment points to), report.md (the full
# report of both), and, for the comment workflow, meta: runner, pr, head-sha.
# The section is appended to $GITHUB_STEP_SUMMARY when that is set.
#
# Environment:
#   BASE_SHA     base commit (required); the head is the checked-out HEAD
#   RUNNER_KIND  section name: hosted, tdx, snp ...   (default hosted)
#   PR_NUMBER, PR_HEAD_SHA  the pull request and its head commit, for the
#                comment workflow (HEAD may be the merge commit)
#   THRESHOLD    scripts/report -threshold        (default 5%)
#   GATE=true    fail on a significant regression over the threshold that a
#                rerun of base and head confirms
#   COUNT        samples per side (default 6: enough for benchstat's confidence
#                intervals and a p < 0.05 U test), split over
#   ROUNDS       alternating runs per side (default 3; each run gets -count
#                COUNT/ROUNDS, rounded up)
#   TEEBENCH_PROFILE (default quick), PKGS, BENCH, BENCHTIME, TAGS: passed to
#   scripts/bench.sh.
#   PR_BINDIR    prebuilt bench, report and manifest commands of the head
#                (default: built from the head's tree into a temporary
#                directory, removed on exit)
#   REPORT       report command (default: the report of PR_BINDIR; tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

if [ $# -ne 1 ] || [ -z "${BASE_SHA:-}" ]; then
	echo "usage: BASE_SHA=<commit> scripts/ci/pr-bench.sh OUT" >&2
	exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
kind=${RUNNER_KIND:-hosted}
case $kind in *[!a-z0-9-]* | "")
	echo "pr-bench.sh: RUNNER_KIND=$kind: want a lower-case name" >&2
	exit 2
	;;
esac
threshold=${THRESHOLD:-5%}
head_sha=$(git rev-parse HEAD)
base_sha=$(git rev-parse "$BASE_SHA^{commit}") || {
	echo "pr-bench.sh: BASE_SHA=$BASE_SHA is not a commit here (fetch-depth 0?)" >&2
	exit 2
}
total=${COUNT:-6} rounds=${ROUNDS:-3}
case $total$rounds in *[!0-9]* | "")
	echo "pr-bench.sh: COUNT=$total ROUNDS=$rounds: want whole numbers" >&2
	exit 2
	;;
esac
if [ "$rounds" -lt 1 ] || [ "$total" -lt 1 ]; then
	echo "pr-bench.sh: COUNT and ROUNDS must be at least 1" >&2
	exit 2
fi
per=$(((total + rounds - 1) / rounds))
export TEEBENCH_PROFILE=${TEEBENCH_PROFILE:-quick} COUNT=$per

src=$out/base-src
bin=${PR_BINDIR:-}
tmp=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	git -C "$root" worktree remove --force "$src" >/dev/null 2>&1 || true
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT
if [ -z "$bin" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/teebench-pr.XXXXXX")
	bin=$tmp
	go build -o "$bin/" ./scripts/bench ./scripts/report ./scripts/manifest
fi
git worktree add --detach --force "$src" "$base_sha" >/dev/null

# bench TREE DIR runs scripts/bench.sh of TREE into DIR and prints the
# result file's path. A benchmark that fails is in the file's skips list;
# only a run that left no result file is an error.
bench() {
	local tree=$1 dir=$2
	mkdir -p "$dir"
	(cd "$tree" && OUTDIR=$dir ./scripts/bench.sh >&2) || echo "pr-bench.sh: bench.sh in $tree exited $? (partial results are kept)" >&2
	local f
	# shellcheck disable=SC2012 # bench.sh names files host-tee-time.txt
	f=$(ls -t "$dir"/*.txt 2>/dev/null | head -1)
	[ -n "$f" ] || {
		echo "pr-bench.sh: bench.sh in $tree wrote no result file to $dir" >&2
		return 1
	}
	echo "$f"
}

# pair N runs attempt N: ROUNDS alternations of base and head, joined into
# OUT/tryN/base.txt and head.txt (set as $base and $head).
pair() {
	local r f bf=() hf=()
	for ((r = 1; r <= rounds; r++)); do
		f=$(bench "$src" "$out/try$1/base/$r")
		bf+=("$f")
		f=$(bench "$root" "$out/try$1/head/$r")
		hf+=("$f")
	done
	base=$out/try$1/base.txt head=$out/try$1/head.txt
	# one file per side, its skip lists merged (scripts/bench -join)
	"$bin/bench" -join "$base" "${bf[@]}"
	"$bin/bench" -join "$head" "${hf[@]}"
}

# report runs scripts/report (or $REPORT) with the given arguments.
report() { "${REPORT:-$bin/report}" "$@"; }

# pr_report BASE HEAD [-fail-on-regression] writes the comment section
# from head's scripts/report (the base may predate -pr). Exit status: 0 ok,
# 10 a significant regression over the threshold, other: error.
pr_report() {
	local errf=$out/report.err rc=0
	report -pr -threshold "$threshold" "${@:3}" -o "$out/comment.body.md" -full "$out/full-table.md" "base=$1" "head=$2" 2>"$errf" || rc=$?
	cat "$errf" >&2
	if [ "$rc" -ne 0 ] && grep -q 'significant regression over threshold' "$errf"; then
		return 10
	fi
	return "$rc"
}

pair 1
gate_note=""
status=0
if [ "${GATE:-}" = true ]; then
	rc=0
	pr_report "$base" "$head" -fail-on-regression || rc=$?
	if [ "$rc" -eq 10 ]; then
		echo "pr-bench.sh: significant regression flagged; rerunning base and head once to confirm" >&2
		mv "$out/comment.body.md" "$out/comment.body.try1.md"
		pair 2
		rc=0
		pr_report "$base" "$head" -fail-on-regression || rc=$?
		if [ "$rc" -eq 10 ]; then
			gate_note="**Gate: regression confirmed by a rerun** (threshold $threshold); this check fails."
			status=1
		elif [ "$rc" -eq 0 ]; then
			gate_note="Gate: a regression flagged in the first run was not confirmed by the rerun (first run's table in the artifact); not failing."
		else
			exit "$rc"
		fi
	elif [ "$rc" -eq 0 ]; then
		gate_note="Gate: no significant regression over $threshold."
	else
		exit "$rc"
	fi
else
	pr_report "$base" "$head"
fi

report -o "$out/report.md" "base=$base" "head=$head" || {
	echo "pr-bench.sh: the full report failed" >&2
	status=1
}

{
	echo "### teebench on \`$kind\`: base ${base_sha:0:12} vs head ${head_sha:0:12}"
	echo
	echo "Profile $TEEBENCH_PROFILE, $((per * rounds)) samples per side in $rounds alternating base/head runs, same runner ($("$bin/manifest" -key cpu-model 2>/dev/null || echo unknown CPU))."
	[ -n "$gate_note" ] && printf '\n%s\n' "$gate_note"
	echo
	cat "$out/comment.body.md"
} >"$out/comment.md"
printf '%s\n' "$kind" >"$out/runner"
printf '%s\n' "${PR_HEAD_SHA:-$head_sha}" >"$out/head-sha"
printf '%s\n' "${PR_NUMBER:-}" >"$out/pr"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{
		cat "$out/comment.md"
		echo
		echo "<details><summary>Full report (base vs head)</summary>"
		echo
		cat "$out/report.md" 2>/dev/null
		echo
		echo "</details>"
	} >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
