#!/usr/bin/env bash
# Build the lab guest's initramfs for one kernel: busybox-static, kexec-tools and makedumpfile
# with the shared libraries they need, the kernel's virtio modules (decompressed: busybox insmod
# wants plain .ko), kfault.ko and test/lab/guest/init. Only what a run needs goes in: whatever is
# in the guest's rootfs leaks into dumps through the dcache.
#   usage: build-initramfs.sh 6.1|6.12 KFAULT_KO OUT.img
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kernels.sh"
cache=${KDF_LAB_CACHE:-$HOME/.cache/kdumpfleet/lab}
kv=${1:?usage}; ko=${2:?usage}; out=${3:?usage}
kr=$(kernel_release "$kv")
kroot=$cache/kernels/$kr/root
for tool in busybox kexec makedumpfile cpio; do
  command -v "$tool" >/dev/null || { echo "build-initramfs: $tool missing (apt: see scripts/apt/test/lab.txt)" >&2; exit 2; }
done
busybox=$(command -v busybox)
file "$busybox" 2>/dev/null | grep -q 'statically linked' || [[ -f /bin/busybox && $(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null) == *installed* ]] \
  || { echo "build-initramfs: busybox is not the static build (apt: busybox-static)" >&2; exit 2; }

stage=$(mktemp -d "$cache/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lib64,proc,sys,dev,tmp,mnt,etc}
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do [[ $a == busybox ]] || ln -sf busybox "$stage/bin/$a"; done
for b in "$(command -v kexec)" "$(command -v makedumpfile)"; do
  cp "$b" "$stage/sbin/"
  for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
    mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"
  done
done
# virtio disk stack, in load order (6.12 builds virtio_pci in; missing ones are skipped).
n=0
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  f=$(find "$kroot/lib/modules/$kr/kernel/drivers" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
  [[ -n $f ]] || continue
  n=$((n + 1)); dest=$stage/lib/modules/$(printf %02d "$n")-$m.ko
  if [[ $f == *.xz ]]; then xz -dc "$f" > "$dest"; else cp "$f" "$dest"; fi
done
# virtio-net stack, loaded by /init only with kdlab.net=1 (the agent test's collector link).
mkdir -p "$stage/lib/modules/net"; n=0
for m in failover net_failover virtio_net; do
  f=$(find "$kroot/lib/modules/$kr/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
  [[ -n $f ]] || continue
  n=$((n + 1)); dest=$stage/lib/modules/net/$(printf %02d "$n")-$m.ko
  if [[ $f == *.xz ]]; then xz -dc "$f" > "$dest"; else cp "$f" "$dest"; fi
done
cp "$ko" "$stage/kfault.ko"
cp "$here/../guest/init" "$stage/init"; chmod +x "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
