#!/usr/bin/env bash
# Renews docs/screenshots/*.png: runs tests/wine_ui.rs (Wine on a virtual X
# display, each page read by OCR), which saves every page it checked there.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/docs/screenshots"
rm -rf "$out.new"
WSPACK_SCREENSHOTS="$out.new" cargo test --test wine_ui -- --nocapture
rm -rf "$out"
mv "$out.new" "$out"
ls -l "$out"
