#!/usr/bin/env bash
# compare.sh compares result files of two or more environments with benchstat:
#
#   ./scripts/compare.sh baseline.txt tee.txt [more.txt ...]
#   ./scripts/compare.sh -md [-threshold 5%] [-fail-on-regression] base.txt head.txt
#
# The arms are resolved by scripts/report -arms, the one owner of the rule:
# a label=path argument names its arm, other files are grouped by their
# `tee:` values (none, tdx, sev-snp), so one table per package gets a delta
# column, and files of one tee value from different testbeds (cpu-model,
# vcpus, kernel ...) are separate arms (tdx, tdx#2). Every other manifest key
# is ignored rather than splitting the tables, and a warning names the keys
# that differ between files pooled into one arm. When all files have the same
# tee value (two baselines, say) the arms are the files.
# Extra benchstat flags go in BENCHSTAT_FLAGS, e.g. BENCHSTAT_FLAGS="-filter .unit:req/s".
#
# -md writes the pull-request comment instead (scripts/report -pr): one row
# per benchmark whose primary metric changed significantly over the
# threshold, + = worse with a head/base time × column, a geomean per
# package; the flags after -md go to it (-full FILE writes the full table).
# Without -md the output is benchstat's own, in benchstat's signs.
#
# Paths are taken relative to the directory compare.sh is run from. Files are
# read through a cleaned copy: CRLF line endings become LF, lines longer than
# benchstat's 64 KiB limit are dropped with a warning naming file:line, and a
# binary file is refused.
set -euo pipefail
usage() {
	echo "usage: compare.sh baseline.txt tee.txt [more.txt ...]" >&2
	echo "       compare.sh -md [-threshold 5%] [-fail-on-regression] base.txt head.txt" >&2
	exit 2
}
root=$(cd "$(dirname "$0")/.." && pwd)
md=0
mdflags=()
if [ "${1:-}" = "-md" ]; then
	md=1
	shift
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
		case $1 in
		-threshold | -o | -full | -max-error-rate)
			[ $# -ge 2 ] || usage
			mdflags+=("$1" "$2")
			shift 2
			;;
		*)
			mdflags+=("$1")
			shift
			;;
		esac
	done
fi
if [ $# -lt 2 ] || { [ $md = 1 ] && [ $# -ne 2 ]; }; then
	usage
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# report is scripts/report: prebuilt in $TEEBENCH_BINDIR, else built here
# (it then runs from the caller's directory, so relative paths hold).
if [ -n "${TEEBENCH_BINDIR:-}" ]; then
	report=$TEEBENCH_BINDIR/report
else
	report=$tmp/report
	(cd "$root" && go build -o "$report" ./scripts/report)
fi

if [ $md = 1 ]; then
	# The report reads CRLF files and long lines itself.
	exec "$report" -pr ${mdflags[@]+"${mdflags[@]}"} "$@"
fi

# clean FILE OUT: copy a result file with LF line endings and without the
# lines benchstat cannot read (over 64 KiB), naming them.
clean() {
	LC_ALL=C awk -v f="$1" '
		{ sub(/\r$/, "") }
		length($0) > 65535 { printf "compare.sh: %s:%d: line of %d bytes skipped (benchstat reads at most 64 KiB per line)\n", f, FNR, length($0) > "/dev/stderr"; next }
		{ print }' "$1" >"$2"
}

# One label=path line per file, the label its arm's; warnings on stderr.
arms=$("$report" -arms "$@") || exit 2
files=()
paths=()
i=0
while IFS= read -r line; do
	label=${line%%=*}
	path=${line#*=}
	i=$((i + 1))
	out=$tmp/$i.txt
	clean "$path" "$out"
	paths+=("$out")
	files+=("$label=$out")
done <<<"$arms"

# Config keys of the Go benchmark format: lower-case start, no spaces or
# upper case. The arms are the labels (benchstat's .file); every key but
# pkg is ignored.
keys=$(grep -hoE '^[a-z][^ A-Z:]*:' "${paths[@]}" | tr -d : | sort -u | grep -vxE 'pkg|goos|goarch' | paste -sd, - || true)
cd "$root"
exec go tool benchstat -table pkg -col .file ${keys:+-ignore "$keys"} ${BENCHSTAT_FLAGS:-} "${files[@]}"
