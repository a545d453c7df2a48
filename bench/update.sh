#!/usr/bin/env bash
# bench/update.sh [SIZE_GIB] — what an update costs a machine: the Wine install
# times of a full install, a policy-only upgrade and a delta upgrade (1 MiB of the
# disk changed), and the size of what each ships.
#
# Makes (and caches) a SIZE_GIB fixed VHD with bench/make-vhd.sh, builds with
# wspack --release: v1 (full), v2 (same disk, other policy, --base v1: policy-only)
# and v3 (1 MiB changed in the middle, --base v2: a delta). Then, in one fresh Wine
# prefix: v1 from its full folder, v2 from a folder holding its MSI alone, v3 from
# a folder holding its MSI and delta alone; and v3 from its full folder in a second
# fresh prefix. Each staged disk's SHA-256 is checked against its input.
#
# Environment: BENCH_DIR (default /work/bench-data).
set -euo pipefail
gib=${1:-2}
source "$(dirname "$0")/common.sh"
need qemu-img sha256sum wine wineserver wineboot dd
disk=$(cached_disk "$gib" fixed)
work=$bench_dir/update-$gib
rm -rf "$work"; mkdir -p "$work"
cp "$disk" "$work/disk-b.vhd"
half=$(( $(stat -c %s "$disk") / 2 / 1048576 ))
dd if=/dev/urandom of="$work/disk-b.vhd" bs=1M seek="$half" count=1 conv=notrunc status=none

policy() { # VERSION DISK MEMORY
  cat <<EOF
[workspace]
name = "Bench"
internal_name = "bench"
version = "$1"
manufacturer = "wspack bench"
vhd = "$2"
[vm]
memory_mb = $3
EOF
}
echo "== building wspack --release and three versions"
(cd "$here" && cargo build --release --quiet)
ws=$here/target/release/wspack
policy 1.0.0 "$disk" 1024 > "$work/v1.toml"
policy 2.0.0 "$disk" 2048 > "$work/v2.toml"
policy 3.0.0 "$work/disk-b.vhd" 2048 > "$work/v3.toml"
"$ws" build "$work/v1.toml" -o "$work/v1" --quiet
"$ws" build "$work/v2.toml" -o "$work/v2" --base "$work/v1" --quiet
"$ws" build "$work/v3.toml" -o "$work/v3" --base "$work/v2" --quiet
mkdir -p "$work/v2-msi" "$work/v3-delta"
cp "$work/v2/bench.msi" "$work/v2-msi/"
cp "$work/v3/bench.msi" "$work/v3/bench.delta.medv" "$work/v3-delta/"

secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'; }
export WINEDEBUG=-all
fresh_prefix() {
  export WINEPREFIX=$work/prefix-$1
  rm -rf "$WINEPREFIX"; wineboot -i >/dev/null 2>&1; wineserver -w
}
# install FOLDER WANT_DISK: prints the wall seconds; fails if the staged disk differs.
install() {
  local msi t
  msi=$(winepath -w "$1/bench.msi")
  cat "$1"/* > /dev/null   # from the page cache, as the other runs
  t=$(secs bash -c "wine msiexec /i '$msi' /qn /l*v '$(winepath -w "$1.log")'; wineserver -w")
  local staged=$WINEPREFIX/drive_c/ProgramData/Microsoft/Medv/Workspace/bench.vhd
  [[ $(sha256sum < "$staged" | cut -d' ' -f1) == $(sha256sum < "$2" | cut -d' ' -f1) ]] \
    || { echo "$1: the staged disk differs (see $1.log)" >&2; exit 1; }
  echo "$t"
}
fresh_prefix 1
t_v1=$(install "$work/v1" "$disk")
t_policy=$(install "$work/v2-msi" "$disk")
t_delta=$(install "$work/v3-delta" "$work/disk-b.vhd")
wineserver -k || true; rm -rf "$WINEPREFIX"
fresh_prefix 2
t_full=$(install "$work/v3" "$work/disk-b.vhd")
wineserver -k || true; rm -rf "$WINEPREFIX"

size() { stat -c %s "$1"; }
echo
echo "== results ($gib GiB fixed disk, 1 MiB changed, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
printf "%-32s %8s s  ships %13s bytes\n" "v1 full install" "$t_v1" "$(( $(size "$work/v1/bench.msi") + $(size "$work/v1/bench.medv") ))"
printf "%-32s %8s s  ships %13s bytes\n" "v2 policy-only upgrade" "$t_policy" "$(size "$work/v2/bench.msi")"
printf "%-32s %8s s  ships %13s bytes\n" "v3 delta upgrade" "$t_delta" "$(( $(size "$work/v3/bench.msi") + $(size "$work/v3/bench.delta.medv") ))"
printf "%-32s %8s s  ships %13s bytes\n" "v3 full install (fresh machine)" "$t_full" "$(( $(size "$work/v3/bench.msi") + $(size "$work/v3/bench.medv") ))"
for log in "$work"/v2-msi.log "$work"/v3-delta.log; do
  tr -d '\000\r' < "$log" | grep -a "wspack StageVhd: \(kept\|staged\)" | tail -1 || true
done
