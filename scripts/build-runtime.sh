#!/usr/bin/env bash
# Rebuilds the Windows runtime (the custom-action DLL and setup.exe) with Debian's
# Rust 1.63 for x86_64-pc-windows-gnu, from a clean target dir, byte for byte
# reproducibly, and copies it to templates/ with templates/SHA256SUMS.
#
#   scripts/build-runtime.sh          rebuild and update templates/
#   scripts/build-runtime.sh --check  rebuild into a temp dir; fail if the bytes
#                                     differ from the committed templates/
#
# Installs its apt packages when missing (CI starts from a fresh machine).
# Debian's cargo/rustc are called by full path: rustup's come first on PATH.
# Offline: the crates come from runtime/vendor/ (scripts/vendor-runtime.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=build
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

TARGET_TRIPLE=x86_64-pc-windows-gnu
PACKAGES="rustc cargo libstd-rust-dev-windows gcc-mingw-w64-x86-64"
OUTPUTS="wspack_runtime.dll setup.exe"

have_toolchain() {
  [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] \
    && [ -d /usr/lib/rustlib/$TARGET_TRIPLE/lib ] \
    && command -v x86_64-w64-mingw32-gcc >/dev/null \
    && command -v x86_64-w64-mingw32-windres >/dev/null  # setup.exe's resources (runtime/build.rs)
}

if ! have_toolchain; then
  echo "build-runtime: installing $PACKAGES" >&2
  SUDO=
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $PACKAGES
  have_toolchain || { echo "build-runtime: the Debian Rust toolchain for $TARGET_TRIPLE is still missing" >&2; exit 1; }
fi

TOOLCHAIN="$(/usr/bin/rustc --version) / $(/usr/bin/cargo --version) / $(x86_64-w64-mingw32-gcc --version | head -n1) / $(x86_64-w64-mingw32-ld --version | head -n1)"

TARGET=$(mktemp -d "${TMPDIR:-/tmp}/wspack-runtime-target.XXXXXX")
trap 'rm -rf "$TARGET"' EXIT

# No timestamps, no symbols, no machine-specific paths (the later prefix wins).
RUSTFLAGS="-C link-arg=-Wl,--no-insert-timestamp -C link-arg=-s"
RUSTFLAGS+=" --remap-path-prefix=$ROOT=/wspack"
RUSTFLAGS+=" --remap-path-prefix=$TARGET=/target"

echo "build-runtime: $TOOLCHAIN" >&2
(
  cd "$ROOT/runtime"
  env -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET -u CARGO_TARGET_DIR -u RUSTC_WRAPPER \
    RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFLAGS="$RUSTFLAGS" \
    SOURCE_DATE_EPOCH=0 \
    /usr/bin/cargo build --release --locked --offline \
      --target $TARGET_TRIPLE --target-dir "$TARGET"
)

BUILT="$TARGET/$TARGET_TRIPLE/release"
if [ "$MODE" = build ]; then
  mkdir -p "$ROOT/templates"
  for f in $OUTPUTS; do
    cp "$BUILT/$f" "$ROOT/templates/$f"
  done
  (cd "$ROOT/templates" && sha256sum $OUTPUTS > SHA256SUMS)
  echo "$TOOLCHAIN" > "$ROOT/templates/TOOLCHAIN"
  (cd "$ROOT/templates" && for f in $OUTPUTS; do printf '%9d  ' "$(stat -c %s "$f")"; grep " $f\$" SHA256SUMS; done)
  exit 0
fi

# --check
status=0
for f in $OUTPUTS; do
  if ! [ -f "$ROOT/templates/$f" ]; then
    echo "build-runtime --check: templates/$f is missing (run scripts/build-runtime.sh)" >&2
    status=1
  elif ! cmp -s "$BUILT/$f" "$ROOT/templates/$f"; then
    echo "build-runtime --check: templates/$f differs from a fresh build:" >&2
    echo "  committed $(sha256sum < "$ROOT/templates/$f" | cut -d' ' -f1) $(stat -c %s "$ROOT/templates/$f") bytes" >&2
    echo "  rebuilt   $(sha256sum < "$BUILT/$f" | cut -d' ' -f1) $(stat -c %s "$BUILT/$f") bytes" >&2
    status=1
  fi
done
if ! (cd "$ROOT/templates" && sha256sum --quiet --strict -c SHA256SUMS); then
  echo "build-runtime --check: templates/SHA256SUMS does not match templates/" >&2
  status=1
fi
if [ $status != 0 ]; then
  if [ -f "$ROOT/templates/TOOLCHAIN" ] && [ "$(cat "$ROOT/templates/TOOLCHAIN")" != "$TOOLCHAIN" ]; then
    echo "  note: templates/ were built with: $(cat "$ROOT/templates/TOOLCHAIN")" >&2
    echo "        this machine has:           $TOOLCHAIN" >&2
  fi
  echo "help: if the runtime sources changed on purpose, run scripts/build-runtime.sh and commit templates/" >&2
  exit 1
fi
echo "build-runtime --check: templates/ match a fresh build ($TOOLCHAIN)" >&2
