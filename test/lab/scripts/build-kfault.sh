#!/usr/bin/env bash
# Build kmod/kfault against a lab kernel's Debian headers (fetched by fetch-kernels.sh), out of
# the source tree, with W=1. Prints the path of kfault.ko; the full compiler output is kept in
# build.log beside it, and any "warning:" line fails the build (the module must build clean).
#   usage: build-kfault.sh 6.1|6.12
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kernels.sh"
repo=$(cd "$here/../../.." && pwd)
cache=${KDF_LAB_CACHE:-$HOME/.cache/kdumpfleet/lab}
kv=${1:?usage: build-kfault.sh 6.1|6.12}
kr=$(kernel_release "$kv")
kdir=$cache/kernels/$kr/root/usr/src/linux-headers-$kr
[[ -f $kdir/Makefile ]] || bash "$here/fetch-kernels.sh" "$kv" >&2
out=$cache/build/$kr/kfault
rm -rf "$out"; mkdir -p "$out"
cp "$repo"/kmod/kfault/{Kbuild,Makefile,*.c,*.h} "$out/"
if ! make -C "$out" KDIR="$kdir" W=1 > "$out/build.log" 2>&1; then
  cat "$out/build.log" >&2; echo "build-kfault: build failed for $kr" >&2; exit 1
fi
if grep -q 'warning:' "$out/build.log"; then
  grep 'warning:' "$out/build.log" >&2; echo "build-kfault: warnings for $kr" >&2; exit 1
fi
echo "$out/kfault.ko"
