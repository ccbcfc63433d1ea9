/**
 * Shell helpers every run.sh starts with (busybox ash in the guest). Checks print
 * `KDLAB: check <name> ok|fail <detail>`; the host harness collects them.
 */
export const GUEST_PRELUDE = String.raw`
K=/sys/kernel/debug/kfault
ok() { say "check $1 ok"; }
fail() { say "check $1 fail $2"; }
check() { n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else fail "$n" "($*)"; fi; }
# running PID: alive and not a zombie (busybox ash reaps background jobs late)
running() { s=$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null); [ -n "$s" ] && [ "$s" != Z ]; }
# finishes PID SECONDS: exits within SECONDS
finishes() { i=0; while running "$1"; do [ $i -ge $(($2 * 10)) ] && return 1; sleep 0.1; i=$((i + 1)); done; }
# waitfor TEXT FILE SECONDS: until FILE contains TEXT
waitfor() { i=0; until grep -q "$1" "$2"; do [ $i -ge $(($3 * 10)) ] && return 1; sleep 0.1; i=$((i + 1)); done; }
trigger() { echo "$*" > $K/trigger; }
logged() { dmesg | grep -q "$1"; }
# wait_release NAME SECONDS: until status no longer lists the hang
wait_release() { i=0; while grep -q "hang: $1 " $K/status; do [ $i -ge $(($2 * 10)) ] && return 1; sleep 0.1; i=$((i + 1)); done; }
# refuse NAME PATTERN TRIGGER...: the write fails and the log explains why
refuse() {
  n=$1; p=$2; shift 2
  if echo "$*" > $K/trigger 2>/dev/null; then fail "$n" "(accepted: $*)";
  elif logged "$p"; then ok "$n"; else fail "$n" "(no log line '$p')"; fi
}
setsys() {
  case $1 in
  /*) echo "$2" > "$1" ;;
  *) sysctl -w "$1=$2" >/dev/null ;;
  esac && say "sysctl $1=$2" || say "sysctl $1 unavailable"
}
# Zero free memory so stale page-cache bytes on per-CPU free lists don't bloat the dump
# (lab-notes pitfall 3); sized below MemAvailable so the OOM killer never meets PID 1.
scrub() {
  sync; echo 3 > /proc/sys/vm/drop_caches
  kb=$(awk '/MemAvailable/ {print $2 - 49152}' /proc/meminfo)
  mkdir -p /scrub && mount -t tmpfs -o size="$kb"k scrub /scrub &&
    dd if=/dev/zero of=/scrub/zero bs=1M 2>/dev/null; rm -f /scrub/zero; umount /scrub
}
`;
