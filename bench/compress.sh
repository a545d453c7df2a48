#!/usr/bin/env bash
# bench/compress.sh [SIZE_GIB] — wspack build/verify against pigz on a realistic disk.
#
# Makes (and caches) a SIZE_GIB fixed VHD with bench/make-vhd.sh, builds
# wspack --release, then in the same run and on the same disk times:
#   build:  wspack build -o OUT (all cores, level 6)   vs  pigz -6 -p $(nproc) -c DISK
#   verify: wspack verify OUT                          vs  pigz -dc DISK.gz | sha256sum
# and prints the wall-time ratios, the size ratio and both peak RSS figures (from
# /usr/bin/time -v). A benchmark, not a test: timings move with machine load.
#
# Environment:
#   BENCH_DIR   where disks and outputs go (default /work/bench-data; never the repo)
#   RUNS        how many times to repeat each measurement (default 2); the best is kept
#   KIND        fixed (default) or dynamic
#   WSPACK_ONLY=1  skip pigz; only wspack's times and RSS (for the 8 GiB RSS check)
set -euo pipefail
gib=${1:-4}
source "$(dirname "$0")/common.sh"
runs=${RUNS:-2}
kind=${KIND:-fixed}
jobs=$(nproc)
need qemu-img pigz sha256sum /usr/bin/time
disk=$(cached_disk "$gib" "$kind")
work=$bench_dir/run-$gib-$kind
rm -rf "$work"; mkdir -p "$work"
cat > "$work/ws.toml" <<EOF
[workspace]
name = "Bench"
internal_name = "bench"
version = "1.0.0"
manufacturer = "wspack bench"
vhd = "$disk"
EOF

echo "== building wspack --release"
(cd "$here" && cargo build --release --quiet)
wspack=$here/target/release/wspack

# Reads the file once so every run starts from the page cache alike.
cat "$disk" > /dev/null

# measure NAME CMD...: runs CMD under /usr/bin/time -v; sets WALL (s) and RSS (KiB).
measure() {
  local name=$1; shift
  local log=$work/$name.time
  /usr/bin/time -v -o "$log" "$@"
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  CPU=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.1f", s}' "$log")
}
best() { awk -v a="$1" -v b="$2" 'BEGIN{print (b=="" || a<b) ? a : b}'; }

declare -A wall rss cpu
record() { # key
  wall[$1]=$(best "$WALL" "${wall[$1]:-}")
  cpu[$1]=$(best "$CPU" "${cpu[$1]:-}")
  rss[$1]=$(( RSS > ${rss[$1]:-0} ? RSS : ${rss[$1]:-0} ))
}

echo "== $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), disk $(stat -c %s "$disk") bytes"
for run in $(seq 1 "$runs"); do
  rm -rf "$work/out"
  measure wspack-build "$wspack" build "$work/ws.toml" -o "$work/out" --quiet
  record wspack_build
  wb_run=$WALL
  echo "run $run: wspack build         ${WALL}s cpu ${CPU}s  rss ${RSS} KiB  (load $(cut -d' ' -f1 /proc/loadavg))"
  measure wspack-verify "$wspack" verify "$work/out" --quiet
  record wspack_verify
  wv_run=$WALL
  echo "run $run: wspack verify        ${WALL}s cpu ${CPU}s  rss ${RSS} KiB  (load $(cut -d' ' -f1 /proc/loadavg))"
  if [[ -z ${WSPACK_ONLY:-} ]]; then
    measure pigz-build bash -c "pigz -6 -p $jobs -c '$disk' > '$work/disk.gz'"
    record pigz_build
    wall_pigz_build_run=$WALL
    echo "run $run: pigz -6 -p $jobs        ${WALL}s cpu ${CPU}s  rss ${RSS} KiB  (load $(cut -d' ' -f1 /proc/loadavg))"
    measure pigz-verify bash -c "pigz -dc '$work/disk.gz' | sha256sum > '$work/pigz.sha'"
    record pigz_verify
    echo "run $run: pigz -dc | sha256sum ${WALL}s cpu ${CPU}s  rss ${RSS} KiB  (load $(cut -d' ' -f1 /proc/loadavg))"
    echo "run $run: paired ratios: build $(awk -v a="$wb_run" -v b="${wall_pigz_build_run}" 'BEGIN{printf "%.3f", a/b}'), verify $(awk -v a="$wv_run" -v b="$WALL" 'BEGIN{printf "%.3f", a/b}')"
  fi
done

medv=$(stat -c %s "$work/out/bench.medv")
echo
echo "== results ($gib GiB $kind disk, best of $runs, peak RSS = max over runs)"
printf '%-28s %10s s   cpu %6s s   peak RSS %8s KiB\n' "wspack build" "${wall[wspack_build]}" "${cpu[wspack_build]}" "${rss[wspack_build]}"
printf '%-28s %10s s   cpu %6s s   peak RSS %8s KiB\n' "wspack verify" "${wall[wspack_verify]}" "${cpu[wspack_verify]}" "${rss[wspack_verify]}"
printf '%-28s %10s bytes\n' ".medv size" "$medv"
if [[ -z ${WSPACK_ONLY:-} ]]; then
  gz=$(stat -c %s "$work/disk.gz")
  [[ $(cut -d' ' -f1 "$work/pigz.sha") == $(sha256sum < "$disk" | cut -d' ' -f1) ]] || { echo "pigz round trip differs!" >&2; exit 1; }
  printf '%-28s %10s s   cpu %6s s   peak RSS %8s KiB\n' "pigz -6 -p $jobs" "${wall[pigz_build]}" "${cpu[pigz_build]}" "${rss[pigz_build]}"
  printf '%-28s %10s s   cpu %6s s   peak RSS %8s KiB\n' "pigz -dc | sha256sum" "${wall[pigz_verify]}" "${cpu[pigz_verify]}" "${rss[pigz_verify]}"
  printf '%-28s %10s bytes\n' "pigz -6 size" "$gz"
  echo
  awk -v wb="${wall[wspack_build]}" -v pb="${wall[pigz_build]}" -v wv="${wall[wspack_verify]}" \
      -v pv="${wall[pigz_verify]}" -v ms="$medv" -v gs="$gz" -v rb="${rss[wspack_build]}" -v rv="${rss[wspack_verify]}" 'BEGIN {
    printf "(best wall of each side; the paired per-run ratios above are the fairer figure under load)\n"
    printf "build wall ratio   wspack/pigz = %.3f  (target <= 0.60) %s\n", wb/pb, (wb/pb<=0.6?"ok":"MISS")
    printf "size ratio         medv/pigz   = %.4f (target <= 1.03) %s\n", ms/gs, (ms/gs<=1.03?"ok":"MISS")
    printf "verify wall ratio  wspack/pigz = %.3f  (target <= 0.30) %s\n", wv/pv, (wv/pv<=0.3?"ok":"MISS")
    printf "peak RSS           build %.1f MiB, verify %.1f MiB (target < 100 MiB) %s\n", rb/1024, rv/1024, (rb<102400 && rv<102400?"ok":"MISS")
  }'
fi
