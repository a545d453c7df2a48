#!/usr/bin/env bash
# Refreshes runtime/vendor/: the runtime's crates.io dependencies as source, so that
# Debian's stock cargo builds the runtime offline (runtime/.cargo/config.toml points
# crates.io at this folder). Run it after changing runtime/Cargo.toml or Cargo.lock,
# with the main (rustup) cargo, which can reach crates.io; commit runtime/vendor/.
#
# `cargo vendor` copies every crate in Cargo.lock, for every platform. A crate that
# neither x86_64-pc-windows-gnu (the DLL, setup.exe) nor x86_64-unknown-linux-gnu
# (the native unit tests) builds is replaced by a stub: its name and version, an
# empty lib.rs, no file checksums. Cargo still resolves Cargo.lock with it, and
# never compiles it. (Today that is only `libc`, 6.7 MB, which `cpufeatures`
# needs on aarch64 and loongarch64 only.)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGETS="x86_64-pc-windows-gnu x86_64-unknown-linux-gnu"
cd "$ROOT/runtime"

# By default `cargo vendor` ignores the source replacement in .cargo/config.toml.
cargo vendor --locked --quiet vendor >/dev/null

needed=$(for t in $TARGETS; do
  cargo tree --locked --offline --target "$t" -e normal,build,dev --prefix none \
    --format '{p}' | awk '{print $1 " " $2}'
done | sort -u)

for dir in vendor/*/; do
  dir=${dir%/}
  name=$(sed -n 's/^name = "\(.*\)"$/\1/p' "$dir/Cargo.toml" | head -n1)
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$dir/Cargo.toml" | head -n1)
  if grep -qxF "$name v$version" <<<"$needed"; then
    continue
  fi
  package=$(sed -n 's/.*"package":"\([0-9a-f]*\)".*/\1/p' "$dir/.cargo-checksum.json")
  rm -rf "$dir"
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<EOF
# Stub written by scripts/vendor-runtime.sh: no target that wspack-runtime builds
# for needs this crate, but cargo needs its name and version to resolve Cargo.lock.
[package]
name = "$name"
version = "$version"
EOF
  echo "// Stub: see Cargo.toml." >"$dir/src/lib.rs"
  printf '{"files":{},"package":"%s"}' "$package" >"$dir/.cargo-checksum.json"
  echo "vendor-runtime: $name $version is not built for $TARGETS: stubbed" >&2
done
du -sh vendor >&2
