#!/usr/bin/env bash
# bench/install.sh [SIZE_GIB] — the install side: how long a machine takes to stage
# the disk, against unpacking and hashing the same sidecar with stock tools.
#
# Makes (and caches) a SIZE_GIB fixed VHD with bench/make-vhd.sh, builds the
# package with wspack --release, then in the same run and on the same files times:
#   wine msiexec /i bench.msi /qn      (registry values + the staging action, end to end,
#                                       in a fresh Wine prefix; staged SHA-256 checked)
#   pigz -dc bench.medv | tee DISK | sha256sum   (the stock tools' unpack, write and hash)
# and prints each run's paired ratio and the best of each side. Peak memory of the
# staging action is measured natively by `runtime`'s ignored `bench` test (Wine
# spreads msiexec over several processes); its own figures are in the msiexec log.
#
# Environment: BENCH_DIR (default /work/bench-data), RUNS (default 2).
set -euo pipefail
gib=${1:-2}
source "$(dirname "$0")/common.sh"
runs=${RUNS:-2}
need qemu-img pigz sha256sum wine wineserver wineboot
disk=$(cached_disk "$gib" fixed)
work=$bench_dir/install-$gib
rm -rf "$work"; mkdir -p "$work"
cat > "$work/ws.toml" <<EOF
[workspace]
name = "Bench"
internal_name = "bench"
version = "1.0.0"
manufacturer = "wspack bench"
vhd = "$disk"
[vm]
memory_mb = 1024
EOF
echo "== building wspack --release and the package"
(cd "$here" && cargo build --release --quiet)
"$here/target/release/wspack" build "$work/ws.toml" -o "$work/pkg" --quiet
want=$(sha256sum < "$disk" | cut -d' ' -f1)

# secs CMD...: wall seconds of CMD.
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'; }

export WINEDEBUG=-all
best_wine="" best_pigz=""
for run in $(seq 1 "$runs"); do
  export WINEPREFIX=$work/prefix-$run
  rm -rf "$WINEPREFIX"; wineboot -i >/dev/null 2>&1; wineserver -w
  cat "$work/pkg/bench.medv" > /dev/null   # both sides start from the page cache
  w=$(secs bash -c "wine msiexec /i '$(winepath -w "$work/pkg/bench.msi")' /qn /l*v '$(winepath -w "$work/install-$run.log")' ; wineserver -w")
  staged=$WINEPREFIX/drive_c/ProgramData/Microsoft/Medv/Workspace/bench.vhd
  got=$(sha256sum < "$staged" | cut -d' ' -f1)
  [[ $got == "$want" ]] || { echo "run $run: staged disk differs!" >&2; exit 1; }
  wineserver -k || true; rm -rf "$WINEPREFIX"
  p=$(secs bash -c "pigz -dc '$work/pkg/bench.medv' | tee '$work/disk.out' | sha256sum > '$work/pigz.sha'")
  [[ $(cut -d' ' -f1 "$work/pigz.sha") == "$want" ]] || { echo "pigz round trip differs!" >&2; exit 1; }
  rm -f "$work/disk.out"
  echo "run $run: wine msiexec /qn ${w}s   pigz -dc | tee | sha256sum ${p}s   ratio $(awk -v a="$w" -v b="$p" 'BEGIN{printf "%.3f", a/b}')  (load $(cut -d' ' -f1 /proc/loadavg))"
  best_wine=$(awk -v a="$w" -v b="$best_wine" 'BEGIN{print (b=="" || a<b) ? a : b}')
  best_pigz=$(awk -v a="$p" -v b="$best_pigz" 'BEGIN{print (b=="" || a<b) ? a : b}')
done
echo
echo "== results ($gib GiB fixed disk, $(nproc) cores, best of $runs)"
for log in "$work"/install-*.log; do
  # Wine writes the log in ANSI (Windows in UTF-16): dropping NULs reads both.
  tr -d '\000\r' < "$log" | grep -a "wspack StageVhd: staged" | tail -1 || true
done
awk -v w="$best_wine" -v p="$best_pigz" 'BEGIN {
  printf "wine msiexec /i /qn          %6.2f s\n", w
  printf "pigz -dc | tee | sha256sum   %6.2f s\n", p
  printf "install wall ratio           %6.3f  (target <= 0.60) %s\n", w/p, (w/p<=0.6?"ok":"MISS")
}'
