#!/usr/bin/env bash
# tee-compare.sh is the compare job of .github/workflows/tee.yml: it takes
# the arms' artifacts, verifies every TEE result's evidence and renders the
# multi-arm report.
#
#   scripts/ci/tee-compare.sh ARMS OUT
#
# ARMS holds one directory per arm job, named arm-<label>--<n> (the
# artifact names of tee.yml; actions/download-artifact puts each in its own
# directory). Jobs of one label form one arm: scripts/report gets
# `label=ARMS/arm-<label>--*/*.txt` and pools them within a testbed.
# Every result file whose `tee:` is not none must carry its TEE's evidence
# (<file>.quote for tdx, <file>.snp-report for sev-snp: `scripts/bench -tee`
# names it from internal/tee's kinds), checked offline by scripts/verify (VERIFY_FLAGS adds flags,
# e.g. -roots for test fixtures). OUT receives verify.txt and report.md; both
# go to $GITHUB_STEP_SUMMARY when that is set. Exit status 1 when evidence is
# missing or fails, or the report fails; the report is rendered regardless.
# The bench, verify and report commands are built once into a temporary
# directory removed on exit, or taken from TEEBENCH_BINDIR (prebuilt);
# REPORT replaces the report command (tests).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
if [ $# -ne 2 ]; then
	echo "usage: scripts/ci/tee-compare.sh ARMS OUT" >&2
	exit 2
fi
arms=$1 out=$2
[ -d "$arms" ] || {
	echo "tee-compare.sh: $arms is not a directory" >&2
	exit 2
}
mkdir -p "$out" || exit 2
bin=${TEEBENCH_BINDIR:-}
if [ -z "$bin" ]; then
	bin=$(mktemp -d "${TMPDIR:-/tmp}/teebench-compare.XXXXXX") || exit 2
	trap 'rm -rf "$bin"' EXIT
	go build -o "$bin/" ./scripts/bench ./scripts/verify ./scripts/report || exit 2
fi
status=0

# Labels, baselines (tee: none) first so the report's first arm is a baseline.
declare -A tees=()
labels=()
tee_files=()
for d in "$arms"/arm-*--*/; do
	[ -d "$d" ] || continue
	label=$(basename "$d")
	label=${label#arm-}
	label=${label%--*}
	for f in "$d"*.txt; do
		[ -e "$f" ] || continue
		t=$(grep -m1 '^tee:' "$f" | sed 's/^tee: *//')
		[ -n "${tees[$label]:-}" ] || labels+=("$label")
		[ "$t" = none ] || tee_files+=("$f")
		tees[$label]="${tees[$label]:-} $t"
	done
done
if [ ${#labels[@]} -eq 0 ]; then
	echo "tee-compare.sh: no result file under $arms/arm-*--*/" >&2
	exit 1
fi
ordered=()
for l in "${labels[@]}"; do [[ " ${tees[$l]} " == *" none "* ]] && ordered+=("$l"); done
for l in "${labels[@]}"; do [[ " ${tees[$l]} " == *" none "* ]] || ordered+=("$l"); done

# Evidence (a subshell: its exit status is the verdict).
(
	echo "## Evidence"
	echo
	if [ ${#tee_files[@]} -eq 0 ]; then
		echo "No TEE result file: nothing to verify."
	else
		echo '```'
		missing=0
		declare -A suffix=()
		for f in "${tee_files[@]}"; do
			t=$(grep -m1 '^tee:' "$f" | sed 's/^tee: *//')
			if [ -z "${suffix[$t]+set}" ]; then
				# NAME SUFFIX of the TEE; empty for a name no kind has.
				k=$("$bin/bench" -tee "$t" 2>/dev/null) || k=""
				suffix[$t]=""
				[[ $k != *" "* ]] || suffix[$t]=${k#* }
			fi
			if [ -z "${suffix[$t]}" ]; then
				echo "MISSING: $f says tee: ${t:-<none>}, which no TEE kind of this suite is"
				missing=1
				continue
			fi
			[ -s "$f${suffix[$t]}" ] || {
				echo "MISSING: $f (tee: $t) has no evidence ($f${suffix[$t]})"
				missing=1
			}
		done
		# shellcheck disable=SC2086 # VERIFY_FLAGS is a list of flags
		if "$bin/verify" ${VERIFY_FLAGS:-} "${tee_files[@]}" 2>&1 && [ "$missing" -eq 0 ]; then
			echo '```'
			echo
			echo "Evidence verified for ${#tee_files[@]} TEE result file(s)."
		else
			echo '```'
			echo
			echo "**Evidence check FAILED**: the TEE arms' figures are not attested."
			exit 1
		fi
	fi
) >"$out/verify.txt" || status=1
cat "$out/verify.txt"

# Report: one label=glob argument per arm.
args=()
for l in "${ordered[@]}"; do args+=("$l=$arms/arm-$l--*/*.txt"); done
report=("$bin/report")
[ -z "${REPORT:-}" ] || report=("$REPORT")
echo "tee-compare.sh: ${report[*]} -o $out/report.md ${args[*]}" >&2
"${report[@]}" -o "$out/report.md" "${args[@]}" || {
	echo "tee-compare.sh: the report failed" >&2
	status=1
}

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{
		cat "$out/verify.txt"
		echo
		cat "$out/report.md" 2>/dev/null || echo "(no report: see the job log)"
	} >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
