#!/usr/bin/env bash
# compare.sh compares result files of two or more environments with benchstat:
#
#   ./scripts/compare.sh baseline.txt tee.txt [more.txt ...]
#   ./scripts/compare.sh -md [-threshold 5%] [-fail-on-regression] base.txt head.txt
#
# The arms are the files' `tee:` values (none, tdx, sev-snp), so one table per
# package gets a delta column; every other manifest key (cpu-model, vcpus,
# kernel ...) is ignored rather than splitting the tables, and a warning names
# the keys that differ between files pooled into one arm. When all files
# have the same tee value (two baselines, say) the arms are the files.
# Extra benchstat flags go in BENCHSTAT_FLAGS, e.g. BENCHSTAT_FLAGS="-filter .unit:req/s".
#
# -md writes the pull-request comment instead (scripts/report -pr): only the
# significant changes over the threshold, a geomean per package, the full
# table folded; the flags after -md go to it.
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
		-threshold | -o | -max-error-rate)
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

# clean FILE OUT: refuse a binary file, copy it with LF line endings and
# without the lines benchstat cannot read (over 64 KiB), naming them.
clean() {
	if ! tr -d '\000' <"$1" | cmp -s - "$1"; then
		echo "compare.sh: $1 is not a text result file (it holds binary data)" >&2
		exit 2
	fi
	LC_ALL=C awk -v f="$1" '
		{ sub(/\r$/, "") }
		length($0) > 65535 { printf "compare.sh: %s:%d: line of %d bytes skipped (benchstat reads at most 64 KiB per line)\n", f, FNR, length($0) > "/dev/stderr"; next }
		{ print }' "$1" >"$2"
}

files=()
abs=()
paths=()
labels=()
i=0
for f in "$@"; do
	label=
	path=$f
	case $f in
	*=*)
		# benchstat's label=path form, unless the whole argument is a file.
		if [ ! -e "$f" ]; then
			label=${f%%=*}
			path=${f#*=}
		fi
		;;
	esac
	if [ ! -f "$path" ] || [ ! -r "$path" ]; then
		echo "compare.sh: cannot read $path" >&2
		exit 2
	fi
	i=$((i + 1))
	out=$tmp/$i.txt
	clean "$path" "$out"
	[ -n "$label" ] || label=$path
	abs+=("$(cd "$(dirname "$path")" && pwd)/$(basename "$path")")
	labels+=("$label")
	paths+=("$out")
	files+=("$label=$out")
done

if [ $md = 1 ]; then
	# The report reads CRLF files and long lines itself: give it the files
	# the user named (absolute, since go run starts in the repository).
	if [ -n "${TEEBENCH_BINDIR:-}" ]; then
		exec "$TEEBENCH_BINDIR/report" -pr ${mdflags[@]+"${mdflags[@]}"} "base=${abs[0]}" "head=${abs[1]}"
	fi
	cd "$root"
	exec go run ./scripts/report -pr ${mdflags[@]+"${mdflags[@]}"} "base=${abs[0]}" "head=${abs[1]}"
fi

# Config keys of the Go benchmark format: lower-case start, no spaces or upper case.
keys=$(grep -hoE '^[a-z][^ A-Z:]*:' "${paths[@]}" | tr -d : | sort -u | grep -vxE 'tee|pkg|goos|goarch' | paste -sd, - || true)
tees=$(grep -hE '^tee:' "${paths[@]}" | sort -u | wc -l)
col=tee
if [ "$tees" -le 1 ]; then
	col=.file
	keys=$(printf '%s\n' "$keys" tee | grep -v '^$' | paste -sd, -)
else
	# Files pooled into one arm should differ in nothing but the run: warn
	# about every other manifest key (the TEE's own keys excepted) whose
	# value differs between files of the same tee.
	for tee in $(grep -hE '^tee:' "${paths[@]}" | sed 's/^tee: *//' | sort -u); do
		members=()
		for j in "${!paths[@]}"; do
			if grep -qxE "tee: *$tee" "${paths[$j]}"; then members+=("$j"); fi
		done
		[ ${#members[@]} -gt 1 ] || continue
		for key in $(grep -hoE '^[a-z][^ A-Z:]*:' "${paths[@]}" | tr -d : | sort -u | grep -vxE 'tee|pkg|goos|goarch|platform|tdx-.*|sev-.*|gpu-cc.*|evidence.*'); do
			vals=$(for j in "${members[@]}"; do grep -m1 -E "^$key:" "${paths[$j]}" | sed "s/^$key: *//" || true; done | sort -u | wc -l)
			if [ "$vals" -gt 1 ]; then
				desc=$(for j in "${members[@]}"; do printf '%s: %s; ' "${labels[$j]}" "$(grep -m1 -E "^$key:" "${paths[$j]}" | sed "s/^$key: *//" || true)"; done)
				echo "compare.sh: warning: files pooled into tee=$tee differ in $key (${desc%; }); part of any difference may come from it" >&2
			fi
		done
	done
fi
cd "$root"
exec go tool benchstat -table pkg -col "$col" ${keys:+-ignore "$keys"} ${BENCHSTAT_FLAGS:-} "${files[@]}"
