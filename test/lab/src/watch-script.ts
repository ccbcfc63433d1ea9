/**
 * Guest scripts for `kdumpfleet watch` in the crash lab (test/lab/watch.test.ts).
 *
 * Hang boot: the agent is copied off the disk into the initramfs' rootfs first (blk-freeze and
 * fs-freeze freeze that very disk; a watcher whose own binary pages sit on it would measure its
 * own page faults), a banner service is started for the tcp-accept probe, and one watch loop
 * runs for the whole boot with its JSON lines in /tmp. A short soak (idle, then CPU + disk +
 * network load) must stay alive; then each soft hang is triggered, the script waits until a
 * round names the expected probe (or gives up), releases it (rmmod kfault) and waits for an
 * alive round. Every step is an event line `EPOCH NAME HANG [key=value]`; the host judges the
 * timing from the events and the verdicts (watch-results.ts), which the script copies to
 * /kdlab/out on the disk at the end.
 *
 * Action boot: watch --action crash during an rtnl hang, first with no capture kernel loaded
 * (must refuse, no crash), then after `kdumpfleet arm` (must write its evidence to /dev/kmsg and
 * sysrq-crash; the lab's capture kernel writes the dump and its dmesg).
 */
import { GUEST_AGENT_ROOT } from './agent-stage.js';
import { GUEST_PRELUDE } from './guest-shell.js';
import { BANNER_PORT, type WatchHang } from './watch-hangs.js';

/** Where the guest leaves watch.jsonl, watch.err and events (read back with debugfs). */
export const WATCH_OUT_DIR = '/kdlab/out';

export interface WatchTiming {
  intervalS: number;
  deadlineS: number;
  hungAfterS: number;
}

export interface WatchSoak {
  idleS: number;
  loadS: number;
}

/**
 * Shell shared by both boots: `event`, `rounds`, `waitjson`, the banner service and the watch
 * itself. $A is the agent's root (rootfs copy or the disk), $W the output directory in /tmp.
 */
const WATCH_PRELUDE = String.raw`
W=/tmp/watch; mkdir -p $W; : > $W/events; : > $W/watch.jsonl
event() { echo "$(date +%s) $*" >> $W/events; say "watch-event $*"; }
rounds() { wc -l < $W/watch.jsonl; }
# waitjson N PATTERN SECONDS: a verdict line after the first N matches PATTERN (grep -E)
waitjson() {
  i=0
  until tail -n +$(($1 + 1)) $W/watch.jsonl | grep -q -E "$2"; do
    [ $i -ge $(($3 * 2)) ] && return 1; sleep 0.5; i=$((i + 1))
  done
}
# the tcp-accept probe's service: busybox nc forks the banner for each connection
printf '#!/bin/sh\necho SSH-2.0-kdlab-banner\n' > /tmp/banner.sh; chmod +x /tmp/banner.sh
nc -ll -p ${BANNER_PORT} -e /tmp/banner.sh & banner=$!
kdf() { node $A/apps/agent/dist/cli.js "$@"; }
`;

function agentSetup(copyToRootfs: boolean): string {
  const root = GUEST_AGENT_ROOT;
  const copy = copyToRootfs
    ? `t0=$(up); mkdir -p ${root}; cp -a /mnt${root}/. ${root}/; sync; echo 1 > /proc/sys/vm/drop_caches
A=${root}; say "watch agent copied to the rootfs in $(awk -v t0="$t0" '{printf "%.1f", $1 - t0}' /proc/uptime) s"`
    : `A=/mnt${root}`;
  return `up() { cut -d' ' -f1 /proc/uptime; }
${copy}
export PATH=$A/bin:$PATH LD_LIBRARY_PATH=$A/lib HOME=/tmp KDUMPFLEET_CONFIG=/etc/kdumpfleet/agent.json
mkdir -p /etc/kdumpfleet; cp /mnt/kdlab/agent.json /etc/kdumpfleet/agent.json
[ -e /boot ] || ln -s /mnt/boot /boot
t0=$(up); v=$(node --version); say "node $v starts in $(awk -v t0="$t0" '{printf "%.1f", $1 - t0}' /proc/uptime) s"`;
}

function watchCommand(t: WatchTiming, extra = ''): string {
  return (
    `kdf watch --json --no-heartbeat --interval ${t.intervalS} --deadline ${t.deadlineS} ` +
    `--hung-after ${t.hungAfterS} --tcp 127.0.0.1:${BANNER_PORT}${extra} ` +
    `>> $W/watch.jsonl 2>> $W/watch.err & wpid=$!`
  );
}

const copyOut = `mkdir -p /mnt${WATCH_OUT_DIR} && cp $W/* /mnt${WATCH_OUT_DIR}/ && sync`;

function soakScript(s: WatchSoak): string {
  // CPU: one busy loop; disk: 4 MiB writes with fsync on the guest disk, over and over;
  // network: an endless TCP stream over loopback. Busybox tools only.
  return `
event soak-idle-start -
sleep ${s.idleS}
event soak-idle-end -
( while :; do :; done ) & l1=$!
( while :; do dd if=/dev/zero of=/mnt/kdlab/load bs=64k count=64 conv=fsync 2>/dev/null; done ) & l2=$!
mkfifo /tmp/netload; nc -l -p 7100 > /dev/null & l3=$!; sleep 0.5
nc 127.0.0.1 7100 < /tmp/netload & l4=$!; yes kdlab-network-load > /tmp/netload & l5=$!
event soak-load-start -
sleep ${s.loadS}
event soak-load-end -
kill $l1 $l2 $l3 $l4 $l5 2>/dev/null; sleep 1; rm -f /mnt/kdlab/load /tmp/netload
`;
}

function hangScript(h: WatchHang, t: WatchTiming): string {
  // Detected within two intervals (plus the deadline of a round already under way and slack
  // for a slow guest); alive again within three.
  const detectS = 2 * t.intervalS + t.deadlineS + 10;
  const aliveS = 3 * t.intervalS + t.deadlineS + 10;
  const detail = h.detail ? ` ${h.detail}` : '';
  return `
${h.setup ?? ''}
grep -q '^kfault ' /proc/modules || insmod /kfault.ko
echo 1 > $K/arm
n=$(rounds)
event trigger ${h.name}${detail}
trigger ${h.name} duration=300 ${h.args}
if waitjson $n '"stuck":\\[[^]]*"${h.probe}"' ${detectS}; then event detected ${h.name}; else event missed ${h.name}; fi
rmmod kfault
event released ${h.name}
n=$(rounds)
if waitjson $n '"verdict":"alive"' ${aliveS}; then event alive ${h.name}; else event not-alive ${h.name}; fi
`;
}

/** The hang boot: soak, then every hang in turn; the results land in /kdlab/out. */
export function watchHangScript(hangs: WatchHang[], t: WatchTiming, soak: WatchSoak): string {
  return `# generated by test/lab/src/watch-script.ts
${GUEST_PRELUDE}
${agentSetup(true)}
${WATCH_PRELUDE}
${watchCommand(t)}
event watch-start -
if waitjson 0 '"verdict"' 120; then event first-round -; else event no-round -; fi
${soakScript(soak)}
${hangs.map((h) => hangScript(h, t)).join('')}
kill $wpid $banner 2>/dev/null; sleep 1
event end -
${copyOut}
`;
}

/**
 * The action boot (no capture kernel loaded by the lab): configure, watch --action crash; an
 * rtnl hang must be refused (not ready: no capture kernel); released; `arm`; a second rtnl hang
 * must crash the guest after the evidence went to /dev/kmsg.
 */
export function watchActionScript(t: WatchTiming, crashAfterS: number): string {
  const dueS = crashAfterS + 3 * t.intervalS + t.deadlineS + 20;
  return `# generated by test/lab/src/watch-script.ts
${GUEST_PRELUDE}
${agentSetup(false)}
${WATCH_PRELUDE}
insmod /kfault.ko
kdf configure --yes --crashkernel keep --json > $W/configure.out 2>&1; say "watch configure exit $?"
${watchCommand(t, ` --action crash --crash-after ${crashAfterS}`)}
event watch-start -
if waitjson 0 '"verdict":"alive"' 120; then event first-round -; else event no-round -; fi
echo 1 > $K/arm
n=$(rounds)
event trigger rtnl
trigger rtnl duration=300
if waitjson $n '"state":"refused"' ${dueS}; then event refused rtnl; else event not-refused rtnl; fi
rmmod kfault
event released rtnl
n=$(rounds)
if waitjson $n '"verdict":"alive"' ${3 * t.intervalS + t.deadlineS + 10}; then event alive rtnl; else event not-alive rtnl; fi
${copyOut}
kdf arm --own --json > $W/arm.out 2>&1; say "watch arm exit $? kexec crash loaded $(cat /sys/kernel/kexec_crash_loaded)"
insmod /kfault.ko; echo 1 > $K/arm
event trigger rtnl-fire
${copyOut}
say "trigger watch-action at epoch $(date +%s)"
trigger rtnl duration=300
sleep ${dueS}
event no-crash rtnl-fire
${copyOut}
say "no crash after ${dueS} s"
`;
}
