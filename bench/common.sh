# Sourced by the bench scripts: the tools check and the cached benchmark disk.
# Sets `here` (the checkout) and `bench_dir` (BENCH_DIR, default /work/bench-data).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_dir=${BENCH_DIR:-/work/bench-data}

# need TOOL...: exits 2 naming the first tool that is not installed.
need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
  done
}

# cached_disk GIB KIND: prints the path of a GIB GiB KIND (fixed or dynamic) VHD
# made by bench/make-vhd.sh, making it once per BENCH_DIR.
cached_disk() {
  local disk=$bench_dir/disk$1-$2.vhd
  mkdir -p "$bench_dir"
  if [[ ! -s $disk ]]; then
    echo "== making $disk ($1 GiB, $2)" >&2
    bash "$here/bench/make-vhd.sh" "$disk.tmp" "$1" "$2" >/dev/null
    mv "$disk.tmp" "$disk"
  fi
  echo "$disk"
}
