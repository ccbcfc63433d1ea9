#!/usr/bin/env bash
# Fetch Debian's cloud kernels (image + headers) for the crash lab and unpack them into the cache.
# Uses a private apt configuration under the cache (the machine's own Debian mirrors, plus the
# bookworm-backports suite the 6.12 kernel lives in), so the host's apt setup is left untouched
# and nothing is installed system-wide. Idempotent: a kernel already unpacked is skipped.
#   usage: fetch-kernels.sh [6.1|6.12 ...]      (default: both)
#   env:   KDF_LAB_CACHE (default ~/.cache/kdumpfleet/lab), LAB_DBG=1 also fetches -dbg packages
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kernels.sh"
cache=${KDF_LAB_CACHE:-$HOME/.cache/kdumpfleet/lab}
apt_root=$cache/apt
mkdir -p "$apt_root/lists/partial" "$apt_root/archives/partial" "$apt_root/etc/preferences.d" "$cache/debs"

write_sources() {
  # Reuse the machine's Debian mirror (first deb822 URIs: line, or first deb line) and key.
  local src=/etc/apt/sources.list.d/debian.sources uri sec key
  if [[ -r $src ]]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$src")
    sec=$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' "$src")
  else
    uri=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
    sec=$(awk '$1=="deb" && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [[ -n $uri ]] || { echo "fetch-kernels: no Debian mirror found in the apt sources" >&2; exit 2; }
  key=/usr/share/keyrings/debian-archive-keyring.gpg
  {
    echo "deb [signed-by=$key] $uri bookworm main"
    echo "deb [signed-by=$key] $uri bookworm-updates main"
    echo "deb [signed-by=$key] $uri bookworm-backports main"
    [[ -n $sec ]] && echo "deb [signed-by=$key] $sec bookworm-security main"
  } > "$apt_root/sources.list"
}

apt_opts=(
  -o "Dir::Etc::SourceList=$apt_root/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::Etc::Preferences=/nonexistent" -o "Dir::Etc::PreferencesParts=$apt_root/etc/preferences.d"
  -o "Dir::State::Lists=$apt_root/lists" -o "Dir::Cache=$apt_root" -o "Dir::Cache::archives=$apt_root/archives"
  -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1"
)

update_lists() {
  local stamp=$apt_root/lists/.updated
  if [[ ! -f $stamp || -n $(find "$stamp" -mmin +1440) ]]; then
    write_sources
    apt-get "${apt_opts[@]}" -qq update
    touch "$stamp"
  fi
}

fetch_one() {
  local kv=$1 kr pkgs dest
  kr=$(kernel_release "$kv")
  dest=$cache/kernels/$kr
  if [[ -f $dest/.complete && ( -z ${LAB_DBG:-} || -f $dest/.dbg ) ]]; then
    echo "fetch-kernels: $kr cached in $dest"; return
  fi
  update_lists
  pkgs=("linux-image-$kr-unsigned" "linux-headers-$kr" "$(kernel_headers_common "$kv")" "$(kernel_kbuild "$kv")")
  [[ -n ${LAB_DBG:-} ]] && pkgs+=("linux-image-$kr-dbg")
  (cd "$cache/debs" && apt-get "${apt_opts[@]}" -q download "${pkgs[@]}" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' -e '^Get:' || true)
  mkdir -p "$dest/root"
  local p deb
  for p in "${pkgs[@]}"; do
    deb=$(ls -t "$cache/debs/${p}_"*.deb 2>/dev/null | head -1)
    [[ -n $deb ]] || { echo "fetch-kernels: apt-get download of $p failed" >&2; exit 2; }
    dpkg-deb -x "$deb" "$dest/root"
  done
  # The flavour's Makefile includes the common tree by absolute path: point it into the cache.
  sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$dest/root/usr/src/linux-headers-$kr/Makefile"
  [[ -n ${LAB_DBG:-} ]] && touch "$dest/.dbg"
  touch "$dest/.complete"
  echo "fetch-kernels: $kr unpacked into $dest/root"
}

kvs=("$@"); [[ ${#kvs[@]} -gt 0 ]] || kvs=(6.1 6.12)
for kv in "${kvs[@]}"; do fetch_one "$kv"; done
