#!/bin/sh
# Captures the fixtures in this directory: the reference report's nine fio
# jobs (docs/methods.md §1, InfraBuilder/docker-fio benchmark.sh) at io_bench's
# smoke size (16M file, 4M offset_increment, 200ms ramp, 500ms runtime),
# run with fio 3.33 on ext4 (virtio disk), --output-format=json.
# io_bench adds --lat_percentiles=1 to the two latency jobs (reporting only).
# Usage: sh capture.sh DIR   (DIR on the filesystem under test)
set -e
dir=${1:-/tmp}
out=$(cd "$(dirname "$0")" && pwd)
f="$dir/fiotest-capture"
common="--randrepeat=0 --verify=0 --ioengine=libaio --direct=1 --filename=$f --size=16M --time_based --ramp_time=200ms --runtime=500ms --output-format=json"
fio $common --name=read_iops --gtod_reduce=1 --readwrite=randread --bs=4K --iodepth=64 >"$out/read_iops.json"
fio $common --name=write_iops --gtod_reduce=1 --readwrite=randwrite --bs=4K --iodepth=64 >"$out/write_iops.json"
fio $common --name=read_bw --gtod_reduce=1 --readwrite=randread --bs=128K --iodepth=64 >"$out/read_bw.json"
fio $common --name=write_bw --gtod_reduce=1 --readwrite=randwrite --bs=128K --iodepth=64 >"$out/write_bw.json"
fio $common --name=read_latency --lat_percentiles=1 --readwrite=randread --bs=4K --iodepth=4 >"$out/read_latency.json"
fio $common --name=write_latency --lat_percentiles=1 --readwrite=randwrite --bs=4K --iodepth=4 >"$out/write_latency.json"
fio $common --name=read_seq --gtod_reduce=1 --readwrite=read --bs=1M --iodepth=16 --thread --numjobs=4 --offset_increment=4M >"$out/read_seq.json"
fio $common --name=write_seq --gtod_reduce=1 --readwrite=write --bs=1M --iodepth=16 --thread --numjobs=4 --offset_increment=4M >"$out/write_seq.json"
fio $common --name=rw_mix --gtod_reduce=1 --readwrite=randrw --rwmixread=75 --bs=4k --iodepth=64 >"$out/rw_mix.json"
rm -f "$f"
