/**
 * What the lab can do to a guest, and how it knows it worked.
 *
 * crash: one per boot; sets the sysctls that turn the report into a panic (hence a kdump), arms
 *   kfault and triggers from a child shell. `expect(log)` says which report the dump's log must
 *   show and which oops kind a triage tool must find.
 * hang: proves the effect and the release from inside the guest with `KDLAB: check` lines;
 *   several can share one boot.
 * control: refusals, arming, unload and the boot-time form, in one boot.
 */

export interface CrashExpectation {
  /** every pattern must match the dump's kernel log */
  report: RegExp[];
  /** the kind of ../shared/fixtures/README.md a triage tool must report */
  kind: string;
  /** why the expectation differs from the scenario's nominal one, if it does */
  note?: string;
}

export interface CrashScenario {
  kind: 'crash';
  name: string;
  /** sysctl name (kernel.x) or absolute /sys path → value */
  settings: Record<string, string>;
  /** trigger line written to /sys/kernel/debug/kfault/trigger */
  trigger: string;
  /** the trigger spins or sleeps: run it in the background */
  background: boolean;
  /** run the trigger pinned to this CPU */
  cpu?: number;
  expect(log: string): CrashExpectation;
}

export interface GuestScenario {
  kind: 'hang' | 'control';
  name: string;
  /** checks this scenario's script reports (all must be ok) */
  checks: string[];
  /** shell fragment (after GUEST_PRELUDE, kfault loaded for hangs) */
  script(seconds: number): string;
}

export type Scenario = CrashScenario | GuestScenario;

const fixed =
  (kind: string, ...report: RegExp[]): CrashScenario['expect'] =>
  () => ({ kind, report });

const PANIC_ON_OOPS = { 'kernel.panic_on_oops': '1' };
/** Detector thresholds are lowered so TCG runs stay short. */
const RCU_STALL_FAST = {
  'kernel.panic_on_rcu_stall': '1',
  '/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout': '3',
};

export const CRASH_SCENARIOS: CrashScenario[] = [
  {
    kind: 'crash',
    name: 'panic',
    settings: {},
    trigger: 'panic',
    background: false,
    expect: fixed(
      'panic',
      /Kernel panic - not syncing: kfault: deliberate panic \(scenario panic\)/,
    ),
  },
  {
    kind: 'crash',
    name: 'oops',
    settings: PANIC_ON_OOPS,
    trigger: 'oops',
    background: false,
    expect: fixed(
      'null-deref',
      /BUG: kernel NULL pointer dereference, address: 0000000000000000/,
      /RIP: 0010:kfault_oops\+/,
    ),
  },
  {
    kind: 'crash',
    name: 'bug',
    settings: PANIC_ON_OOPS,
    trigger: 'bug',
    background: false,
    expect: fixed('bug', /kernel BUG at .*kfault_crash\.c:\d+!/, /RIP: 0010:kfault_bug\+/),
  },
  {
    kind: 'crash',
    name: 'warn',
    settings: { 'kernel.panic_on_warn': '1' },
    trigger: 'warn',
    background: false,
    expect: fixed(
      'warning',
      /WARNING: CPU: \d+ PID: \d+ at .*kfault_crash\.c:\d+ kfault_warn\+/,
      /kfault: deliberate warning \(scenario warn\)/,
    ),
  },
  {
    kind: 'crash',
    name: 'list-corruption',
    settings: PANIC_ON_OOPS,
    trigger: 'list-corruption',
    background: false,
    expect: fixed(
      'list-corruption',
      /list_add corruption\. next->prev should be prev/,
      /kfault_list_corruption\+/,
    ),
  },
  {
    kind: 'crash',
    name: 'softlockup',
    settings: { 'kernel.softlockup_panic': '1', 'kernel.watchdog_thresh': '5' },
    trigger: 'softlockup duration=120',
    background: true,
    expect: fixed(
      'soft-lockup',
      /watchdog: BUG: soft lockup - CPU#\d+ stuck for \d+s!/,
      /kfault_softlockup\+/,
    ),
  },
  {
    kind: 'crash',
    name: 'hardlockup',
    settings: { 'kernel.hardlockup_panic': '1', 'kernel.watchdog_thresh': '5', ...RCU_STALL_FAST },
    trigger: 'hardlockup duration=120',
    background: true,
    // Off CPU 0, which keeps the timekeeping tick, so the other CPU's detectors keep running.
    cpu: 1,
    expect(log) {
      if (/no hard-lockup detector is running/.test(log))
        return {
          kind: 'rcu-stall',
          report: [/rcu: INFO: rcu_preempt detected stalls on CPUs\/tasks/, /kfault_hardlockup\+/],
          note: 'no NMI watchdog in this guest (QEMU TCG has no PMU): the other CPU reports an RCU stall',
        };
      return {
        kind: 'hard-lockup',
        report: [/Watchdog detected hard LOCKUP on cpu \d+/, /kfault_hardlockup\+/],
      };
    },
  },
  {
    kind: 'crash',
    name: 'hung-task',
    settings: {
      'kernel.hung_task_panic': '1',
      'kernel.hung_task_timeout_secs': '5',
      'kernel.hung_task_check_interval_secs': '1',
    },
    trigger: 'hung-task duration=120',
    background: true,
    expect: fixed(
      'hung-task',
      /INFO: task sh:\d+ blocked for more than \d+ seconds\./,
      /kfault_hung_task\+/,
    ),
  },
  {
    kind: 'crash',
    name: 'rcu-stall',
    settings: RCU_STALL_FAST,
    trigger: 'rcu-stall duration=120',
    background: true,
    expect: fixed(
      'rcu-stall',
      /rcu: INFO: rcu_preempt self-detected stall on CPU|rcu: INFO: rcu_preempt detected stalls on CPUs\/tasks/,
      /kfault_rcu_stall\+/,
    ),
  },
];

const hang = (name: string, checks: string[], script: (d: number) => string): GuestScenario => ({
  kind: 'hang',
  name,
  checks,
  script,
});

export const HANG_SCENARIOS: GuestScenario[] = [
  hang(
    'rtnl',
    [
      'rtnl-config-blocks',
      'rtnl-ping-answers',
      'rtnl-status',
      'rtnl-config-resumes',
      'rtnl-config-after',
      'rtnl-ping-after',
      'rtnl-released',
    ],
    (d) => `
trigger rtnl duration=${d}
ip link set lo mtu 1500 & p=$!
sleep 3
check rtnl-config-blocks running $p
check rtnl-ping-answers timeout 5 ping -c1 -W2 127.0.0.1
check rtnl-status grep -q "hang: rtnl holding rtnl_lock" $K/status
check rtnl-config-resumes finishes $p ${d + 15}
check rtnl-config-after timeout 5 ip link set lo mtu 65536
check rtnl-ping-after timeout 5 ping -c1 -W2 127.0.0.1
check rtnl-released logged "kfault: rtnl: released rtnl_lock after"
`,
  ),
  hang(
    'tcp-accept',
    [
      'tcp-established-before',
      'tcp-new-blocked',
      'tcp-ping-answers',
      'tcp-syns-dropped',
      'tcp-established-flows',
      'tcp-hang-still-active',
      'tcp-released',
      'tcp-new-after',
    ],
    (d) => `
# Both ends keep stdin open: busybox nc half-closes on stdin EOF and the peer then quits.
sleep 30 | nc -l -p 7001 > /tmp/est.out & s1=$!
sleep 1
(echo before; sleep 6; echo during; sleep 4) | nc 127.0.0.1 7001 & c1=$!
sleep 1.5
check tcp-established-before grep -q before /tmp/est.out
trigger tcp-accept duration=${d}
sleep 60 | nc -l -p 7002 > /tmp/new.out & s2=$!
sleep 0.5
echo hello | timeout 3 nc 127.0.0.1 7002
check tcp-new-blocked sh -c '! grep -q hello /tmp/new.out'
check tcp-ping-answers timeout 5 ping -c1 -W2 127.0.0.1
check tcp-syns-dropped grep -q "[1-9][0-9]* SYNs dropped" $K/status
check tcp-established-flows waitfor during /tmp/est.out 5
check tcp-hang-still-active grep -q "hang: tcp-accept " $K/status
say "tcp-accept: established flow received: $(tr '\\n' ' ' < /tmp/est.out)"
check tcp-released wait_release tcp-accept ${d + 15}
(echo hello; sleep 1) | timeout 5 nc 127.0.0.1 7002
check tcp-new-after grep -q hello /tmp/new.out
kill $s1 $s2 $c1 2>/dev/null
`,
  ),
  hang(
    'mmap-lock',
    [
      'mmap-cmdline-blocks',
      'mmap-ps-blocks',
      'mmap-others-fine',
      'mmap-cmdline-resumes',
      'mmap-cmdline-content',
      'mmap-released',
    ],
    (d) => `
sleep 1000 & t=$!
sleep 0.5
cat /proc/$t/cmdline > /tmp/cmdline.before
trigger mmap-lock pid=$t duration=${d}
cat /proc/$t/cmdline > /tmp/cmdline.out & p=$!
ps > /tmp/ps.out & q=$!
sleep 3
check mmap-cmdline-blocks running $p
check mmap-ps-blocks running $q
check mmap-others-fine timeout 5 cat /proc/1/cmdline
check mmap-cmdline-resumes finishes $p ${d + 15}
check mmap-cmdline-content sh -c 'test -s /tmp/cmdline.out && cmp -s /tmp/cmdline.before /tmp/cmdline.out'
check mmap-released logged "kfault: mmap-lock: released the mmap lock of pid $t"
kill $t
`,
  ),
  hang(
    'blk-freeze',
    ['blk-write-blocks', 'blk-cached-read', 'blk-write-resumes', 'blk-write-after', 'blk-released'],
    (d) => `
dd if=/dev/urandom of=/mnt/cached bs=64k count=4 2>/dev/null; sync; cat /mnt/cached > /dev/null
trigger blk-freeze dev=vda duration=${d}
dd if=/dev/zero of=/mnt/blk-write bs=4k count=1 conv=fsync 2>/dev/null & p=$!
sleep 3
check blk-write-blocks running $p
check blk-cached-read timeout 5 cat /mnt/cached
check blk-write-resumes finishes $p ${d + 15}
check blk-write-after timeout 10 dd if=/dev/zero of=/mnt/blk-write2 bs=4k count=1 conv=fsync
check blk-released logged "kfault: blk-freeze: released the request queue of /dev/vda"
`,
  ),
  hang(
    'fs-freeze',
    ['fs-write-blocks', 'fs-read-works', 'fs-write-resumes', 'fs-write-after', 'fs-released'],
    (d) => `
[ -f /mnt/cached ] || { dd if=/dev/urandom of=/mnt/cached bs=64k count=4 2>/dev/null; sync; }
trigger fs-freeze path=/mnt duration=${d}
sh -c 'echo x > /mnt/fs-write' & p=$!
sleep 3
check fs-write-blocks running $p
check fs-read-works timeout 5 cat /mnt/cached
check fs-write-resumes finishes $p ${d + 15}
check fs-write-after timeout 5 sh -c 'echo y > /mnt/fs-write2'
check fs-released logged "kfault: fs-freeze: released the ext4 filesystem on vda"
`,
  ),
  hang(
    'workqueue',
    ['wq-probe-pending', 'wq-released', 'wq-probe-waited'],
    (d) => `
trigger workqueue duration=${d}
sleep 2
check wq-probe-pending grep -q "probe pending" $K/status
check wq-released wait_release workqueue ${d + 15}
sleep 0.5
ms=$(dmesg | sed -n 's/.*kfault: workqueue: probe work item waited \\([0-9]*\\) ms.*/\\1/p' | tail -1)
check wq-probe-waited test "\${ms:-0}" -ge ${(d - 3) * 1000}
`,
  ),
];

export const CONTROL_SCENARIO: GuestScenario = {
  kind: 'control',
  name: 'control',
  checks: [
    'scenarios-listed',
    'unarmed-refused',
    'arm-status',
    'unknown-scenario',
    'duration-zero',
    'duration-too-long',
    'unknown-key',
    'crash-takes-no-keys',
    'missing-pid',
    'no-such-pid',
    'no-such-dev',
    'no-such-path',
    'empty-trigger',
    'second-hang-refused',
    'unload-releases',
    'unload-logged',
    'arming-forbidden',
    'forbidden-trigger-refused',
    'boot-form-armed',
    'boot-form-triggered',
    'boot-form-released',
  ],
  script: () => `
insmod /kfault.ko
check scenarios-listed test "$(wc -l < $K/scenarios)" -eq 15
refuse unarmed-refused "kfault: refused panic: not armed" panic
echo 1 > $K/arm
check arm-status grep -q "armed: yes" $K/status
refuse unknown-scenario "kfault: refused: unknown scenario 'nosuch'" nosuch
refuse duration-zero "kfault: refused rtnl: duration=0 must be 1..600 seconds" rtnl duration=0
refuse duration-too-long "kfault: refused rtnl: duration=601 must be 1..600 seconds" rtnl duration=601
refuse unknown-key "kfault: refused rtnl: unknown key 'foo'" rtnl foo=1
refuse crash-takes-no-keys "kfault: refused panic: unknown key 'duration'" panic duration=5
refuse missing-pid "kfault: refused mmap-lock: missing required key (pid=)" mmap-lock
refuse no-such-pid "kfault: refused mmap-lock: no process with pid 3999999" mmap-lock pid=3999999
refuse no-such-dev "kfault: refused blk-freeze: no block device /dev/nosuch" blk-freeze dev=nosuch
refuse no-such-path "kfault: refused fs-freeze: cannot look up directory '/nosuch'" fs-freeze path=/nosuch
refuse empty-trigger "kfault: refused: empty trigger" " "
trigger rtnl duration=600
refuse second-hang-refused "kfault: refused rtnl: already active" rtnl duration=5
ip link set lo mtu 1500 & p=$!
sleep 1
rmmod kfault
check unload-releases finishes $p 10
check unload-logged logged "kfault: rtnl: released rtnl_lock after .* (module unload)"
insmod /kfault.ko allow_arm=0
echo 1 > $K/arm 2>/dev/null
check arming-forbidden logged "kfault: arming refused .*allow_arm=0"
refuse forbidden-trigger-refused "arming is forbidden by allow_arm=0" panic
rmmod kfault
insmod /kfault.ko scenario=rtnl args=duration=2
check boot-form-armed logged "kfault: armed for 60 s by module parameter"
sleep 1
check boot-form-triggered logged "kfault: trigger rtnl (duration 2 s) by module parameter"
sleep 3
check boot-form-released logged "kfault: rtnl: released rtnl_lock after 2 s (duration elapsed)"
rmmod kfault
`,
};

export const ALL_SCENARIOS: Scenario[] = [...CRASH_SCENARIOS, ...HANG_SCENARIOS, CONTROL_SCENARIO];

export function findScenario(name: string): Scenario | undefined {
  return ALL_SCENARIOS.find((s) => s.name === name);
}
