#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): installs the system packages
# the tests drive for real (qemu-img, Wine, msitools, gzip/7-Zip, the Windows
# runtime toolchain), then formatting, lints and every test.
#
# `scripts/test.sh --fast`: the fast tier for everyday work, in seconds: unit tests
# and the integration tests that run no Wine, no fuzzing and no fault injection
# (the packages they need are installed the same way).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=""
[ "${1:-}" = --fast ] && fast=1

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have qemu-img || need+=(qemu-utils)
have wine || need+=(wine wine64)
[ -x /usr/lib/wine/wine64 ] || need+=(wine64)
have msiinfo || need+=(msitools)
have wixl || need+=(wixl)
have osslsigncode || need+=(osslsigncode)
have openssl || need+=(openssl)
have 7z || need+=(p7zip-full)
have unzip || need+=(unzip)
have pigz || need+=(pigz)
have iconv || need+=(libc-bin)
[ -x /usr/bin/rustc ] || need+=(rustc)
[ -x /usr/bin/cargo ] || need+=(cargo)
[ -d /usr/lib/rustlib/x86_64-pc-windows-gnu ] || need+=(libstd-rust-dev-windows)
have x86_64-w64-mingw32-gcc || need+=(gcc-mingw-w64-x86-64)
# The installer's pages under Wine on a virtual display (tests/wine_ui.rs).
have Xvfb || need+=(xvfb)
have xdotool || need+=(xdotool)
have import || need+=(imagemagick)
have tesseract || need+=(tesseract-ocr)
compgen -G '/usr/share/tesseract-ocr/*/tessdata/eng.traineddata' >/dev/null || need+=(tesseract-ocr-eng)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "test.sh: installing ${need[*]}" >&2
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${need[@]}"
fi

if [ -n "$fast" ]; then
  targets=()
  for f in tests/*.rs; do
    name=$(basename "$f" .rs)
    case $name in wine_* | fuzz_* | faults | sign) ;; *) targets+=(--test "$name") ;; esac
  done
  exec cargo test --lib "${targets[@]}"
fi

cargo fmt --check
cargo clippy --all-targets -- -D warnings
# The committed Windows runtime must be what its sources build, byte for byte.
scripts/build-runtime.sh --check
# The runtime's workspace (with runtime/contract, which the packager shares): the
# same format and lints natively, then its unit tests with the same Debian Rust
# 1.63 toolchain. Offline: the crates come from runtime/vendor/.
(cd runtime && cargo fmt --check && cargo clippy --locked --offline --all-targets -- -D warnings)
(cd runtime && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo test --locked --offline)
cargo test
