#!/usr/bin/env bash
# Packs what `npm run gpu:report` needs on a GPU machine that has no Node:
# the node binary, a Vulkan loader, and node_modules without what the report
# never loads (other platforms' Dawn builds, tfjs, the browser-test, lint and
# type-check tool chains), as one .tar.xz that Python's tarfile can unpack.
# Usage: bash src/cli/gpu-bundle.sh [DIR]   (default .gpu; keep DIR out of git,
# e.g. echo /.gpu/ >> .git/info/exclude). docs/gpu-report.md says how to use it.
set -euo pipefail
dir=${1:-.gpu}
mkdir -p "$dir"
modules=$(realpath node_modules)
loader=$(ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 /{print $NF; exit}')
[ -n "$loader" ] || loader=/usr/lib/chromium/libvulkan.so.1
[ -e "$loader" ] || { echo "gpu-bundle: no Vulkan loader (libvulkan.so.1) here to pack" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp "$(command -v node)" "$stage/bin/node"
cp -L "$loader" "$stage/lib/libvulkan.so.1"
tar -C "$(dirname "$modules")" -cf - \
  --exclude='webgpu/dist/darwin-*' --exclude='webgpu/dist/win32-*' --exclude='webgpu/dist/linux-arm64' \
  --exclude='@tensorflow' --exclude='typescript' --exclude='playwright' --exclude='playwright-core' --exclude='@playwright' \
  --exclude='@typescript-eslint' --exclude='typescript-eslint' --exclude='eslint' --exclude='eslint-*' --exclude='@eslint' \
  --exclude='@types' --exclude='katex' --exclude='react-dom' \
  --exclude='.cache' --exclude='.vite' --exclude='.vite-bench' \
  "$(basename "$modules")" | tar -C "$stage" -xf -
[ "$(basename "$modules")" = node_modules ] || mv "$stage/$(basename "$modules")" "$stage/node_modules"
tar -C "$stage" -cf - . | xz -6 -T0 > "$dir/gpu-bundle.tar.xz"
echo "wrote $dir/gpu-bundle.tar.xz ($(du -h "$dir/gpu-bundle.tar.xz" | cut -f1))"
