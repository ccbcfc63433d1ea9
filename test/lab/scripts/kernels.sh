# The lab's kernels: short name (6.1, 6.12) → Debian package names. Sourced by the other scripts.
kernel_release() {
  case $1 in
    6.1) echo 6.1.0-56-cloud-amd64 ;;
    6.12) echo 6.12.117+deb12-cloud-amd64 ;;
    *) echo "unknown lab kernel '$1' (known: 6.1, 6.12)" >&2; return 2 ;;
  esac
}
kernel_headers_common() {
  case $1 in
    6.1) echo linux-headers-6.1.0-56-common ;;
    6.12) echo linux-headers-6.12.117+deb12-common ;;
  esac
}
kernel_kbuild() {
  case $1 in
    6.1) echo linux-kbuild-6.1 ;;
    6.12) echo linux-kbuild-6.12.117+deb12 ;;
  esac
}
