// Small hand-made logs for the rules the fixtures do not exercise on their own.
import { describe, expect, it } from 'vitest';
import { decodeTaint, parseKernelLog, parseLogLine, parseTaint } from './index.js';

const hung = (comm: string, pid: number, fn: string) => [
  `[  120.000001] INFO: task ${comm}:${pid} blocked for more than 120 seconds.`,
  '[  120.000002]       Not tainted 6.1.0-56-cloud-amd64 #1 Debian 6.1.192-2',
  '[  120.000003] Call Trace:',
  '[  120.000004]  <TASK>',
  '[  120.000005]  __schedule+0x2f0/0x950',
  '[  120.000006]  schedule+0x5d/0xe0',
  '[  120.000007]  io_schedule+0x42/0x70',
  `[  120.000008]  ${fn}+0x12/0x40 [xfs]`,
  '[  120.000009]  vfs_write+0xc7/0x3f0',
  '[  120.000010]  </TASK>',
];

describe('primary report rule', () => {
  it('several hung tasks before the hung_task panic → the first one', () => {
    const log = [
      ...hung('kworker/0:1', 42, 'xlog_wait'),
      ...hung('sh', 43, 'xfs_ilock'),
      '[  120.100000] Kernel panic - not syncing: hung_task: blocked tasks',
      '[  120.100001] CPU: 0 PID: 34 Comm: khungtaskd Not tainted 6.1.0-56-cloud-amd64 #1',
      '[  120.100002] Call Trace:',
      '[  120.100003]  panic+0x118/0x2f4',
      '[  120.100004]  watchdog+0x2f2/0x5d0',
      '[  120.100005]  kthread+0xd2/0x100',
    ].join('\n');
    const r = parseKernelLog(log);
    expect(r.reports.map((x) => x.kind)).toEqual(['hung-task', 'hung-task', 'panic']);
    expect(r.primary!.kind).toBe('hung-task');
    expect(r.primary!.culprit).toEqual({ symbol: 'xlog_wait', module: 'xfs' });
    expect(r.primary!.comm).toBe('kworker/0:1');
    expect(r.primary!.pid).toBe(42);
    expect(r.primary!.title).toBe('INFO: task hung in xlog_wait');
  });

  it('an unrelated boot-time WARNING does not hide an explicit panic', () => {
    const log = [
      '[    1.0] WARNING: CPU: 0 PID: 1 at drivers/x.c:10 probe_thing+0x10/0x20 [x]',
      '[    1.1] RIP: 0010:probe_thing+0x10/0x20 [x]',
      '[   50.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
      '[   50.1] Call Trace:',
      '[   50.2]  dump_stack_lvl+0x44/0x5c',
      '[   50.3]  panic+0x118/0x2f4',
      '[   50.4]  mount_root_generic+0x1d0/0x270',
    ].join('\n');
    const p = parseKernelLog(log).primary!;
    expect(p.kind).toBe('panic');
    expect(p.culprit!.symbol).toBe('mount_root_generic');
    expect(p.title).toBe(
      'panic: VFS: Unable to mount root fs on unknown-block(0,0) in mount_root_generic',
    );
  });

  it('an oops followed by "Fatal exception" is the oops', () => {
    const log = [
      'general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP',
      'CPU: 3 PID: 77 Comm: ksoftirqd/3 Tainted: G        W          5.10.0-28-amd64 #1 Debian 5.10.209-2',
      'RIP: 0010:nf_ct_del_from_dying_list+0x2b/0x60 [nf_conntrack]',
      'Call Trace:',
      ' <IRQ>',
      ' nf_conntrack_destroy+0x20/0x30',
      ' </IRQ>',
      'Kernel panic - not syncing: Fatal exception in interrupt',
    ].join('\n');
    const r = parseKernelLog(log);
    const p = r.primary!;
    expect(p.kind).toBe('gpf');
    expect(p.culprit).toEqual({ symbol: 'nf_ct_del_from_dying_list', module: 'nf_conntrack' });
    expect(p.taint).toEqual({ raw: 'G W', flags: ['WARN'] });
    expect(p.frames[0]!.section).toBe('IRQ');
    expect(r.panicMessage).toBe('Fatal exception in interrupt');
  });

  it('a 6.12 "Oops: invalid opcode" after "kernel BUG at" stays one bug report', () => {
    const log = [
      '[    5.9] kernel BUG at mm/slub.c:435!',
      '[    5.9] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
      '[    5.9] CPU: 0 UID: 0 PID: 130 Comm: sh Not tainted 6.12.117+deb12-cloud-amd64 #1',
      '[    5.9] RIP: 0010:kfree+0x2a0/0x2b0',
      '[    5.9] Call Trace:',
      '[    5.9]  <TASK>',
      '[    5.9]  ? die+0x36/0x90',
      '[    5.9]  ext4_put_super+0x1b/0x390 [ext4]',
    ].join('\n');
    const r = parseKernelLog(log);
    expect(r.reports).toHaveLength(1);
    expect(r.primary!.kind).toBe('bug');
    expect(r.primary!.culprit).toEqual({ symbol: 'ext4_put_super', module: 'ext4' });
    expect(r.primary!.frames.map((f) => f.reliable)).toEqual([false, true]);
    expect(r.primary!.cpu).toBe(0);
  });

  it('interleaved lines from another CPU are dropped by caller id', () => {
    const log = [
      '[  10.000000][  T200] BUG: unable to handle page fault for address: ffffde202758ca0b',
      '[  10.000001][  T200] Oops: 0000 [#1] PREEMPT SMP',
      '[  10.000002][  T200] RIP: 0010:mydrv_read+0x6e/0x90 [mydrv]',
      '[  10.000003][  T300] Call Trace:',
      '[  10.000003][  T300]  other_cpu_func+0x10/0x20',
      '[  10.000004][  T200] Call Trace:',
      '[  10.000005][  T200]  vfs_read+0x9c/0x190',
    ].join('\n');
    const p = parseKernelLog(log).primary!;
    expect(p.kind).toBe('page-fault');
    expect(p.frames.map((f) => f.symbol)).toEqual(['vfs_read']);
    expect(p.culprit).toEqual({ symbol: 'mydrv_read', module: 'mydrv' });
    expect(p.rip).toEqual({
      symbol: 'mydrv_read',
      offset: '0x6e',
      size: '0x90',
      module: 'mydrv',
      raw: '0010:mydrv_read+0x6e/0x90 [mydrv]',
    });
  });

  it('a truncated report (header only) is still reported, with no culprit', () => {
    const p = parseKernelLog(
      '[ 1.0] BUG: kernel NULL pointer dereference, address: 0000000000000008\n',
    ).primary!;
    expect(p.kind).toBe('null-deref');
    expect(p.culprit).toBeNull();
    expect(p.title).toBe('BUG: kernel NULL pointer dereference');
  });

  it('no report → null primary', () => {
    const r = parseKernelLog('[ 0.0] Linux version 6.1.0\n[ 1.0] Run /init as init process\n');
    expect(r.primary).toBeNull();
    expect(r.reports).toEqual([]);
    expect(r.panicMessage).toBeNull();
  });
});

describe('line prefixes and taint', () => {
  it('strips timestamps, caller ids, levels and syslog prefixes', () => {
    expect(parseLogLine('[    5.123456] hello')).toEqual({
      text: 'hello',
      caller: null,
      time: 5.123456,
    });
    expect(parseLogLine('[  202.652969][ T9969] x')).toEqual({
      text: 'x',
      caller: 'T9969',
      time: 202.652969,
    });
    expect(parseLogLine('[    1.000000] [  C1] y').caller).toBe('C1');
    expect(parseLogLine('<4>[    1.000000]  f+0x1/0x2').text).toBe(' f+0x1/0x2');
    expect(parseLogLine('Nov 23 08:41:57 host kernel: [ 1.0] z').text).toBe('z');
  });

  it('decodes taint letters with the kernel table', () => {
    expect(
      parseTaint(
        'CPU: 1 PID: 187 Comm: sh Tainted: G           OEL     6.12.117+deb12-cloud-amd64 #1',
      ),
    ).toEqual({
      raw: 'G OEL',
      flags: ['OOT_MODULE', 'UNSIGNED_MODULE', 'SOFTLOCKUP'],
    });
    expect(
      parseTaint('CPU: 1 PID: 135 Comm: dd Kdump: loaded Not tainted 6.1.0-56-cloud-amd64 #1'),
    ).toEqual({ raw: '', flags: [] });
    expect(parseTaint('Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE')).toBeNull();
    expect(decodeTaint('P  S   D W')).toEqual([
      'PROPRIETARY_MODULE',
      'CPU_OUT_OF_SPEC',
      'DIE',
      'WARN',
    ]);
  });
});

describe('kinds on formats the fixtures lack', () => {
  it('6.12 buddy hard-lockup detector → hard-lockup in the stuck function, task from the NMI backtrace', () => {
    // Shaped after kernel/watchdog.c (watchdog_hardlockup_check, 6.12) and lib/nmi_backtrace.c.
    const log = [
      '[   30.100000] watchdog: CPU1: Watchdog detected hard LOCKUP on cpu 0',
      '[   30.100001] Modules linked in: crashlab(OE) virtio_blk',
      '[   30.100002] Sending NMI from CPU 1 to CPUs 0:',
      '[   30.100003] NMI backtrace for cpu 0',
      '[   30.100004] CPU: 0 UID: 0 PID: 187 Comm: sh Kdump: loaded Tainted: G           OE      6.12.117+deb12-cloud-amd64 #1  Debian 6.12.117-1~deb12u1',
      '[   30.100005] RIP: 0010:crashlab_spin_irqoff+0x1a/0x30 [crashlab]',
      '[   30.100006] Call Trace:',
      '[   30.100007]  <NMI>',
      '[   30.100008]  ? nmi_cpu_backtrace+0xd3/0x110',
      '[   30.100009]  </NMI>',
      '[   30.100010]  <TASK>',
      '[   30.100011]  crashlab_trigger_write+0x186/0x1a0 [crashlab]',
      '[   30.100012]  vfs_write+0xf8/0x450',
      '[   30.100013]  </TASK>',
      '[   30.200000] Kernel panic - not syncing: Hard LOCKUP',
      '[   30.200001] CPU: 1 UID: 0 PID: 0 Comm: swapper/1 Kdump: loaded Tainted: G           OE      6.12.117+deb12-cloud-amd64 #1',
      '[   30.200002] Call Trace:',
      '[   30.200003]  <IRQ>',
      '[   30.200004]  panic+0x344/0x3a0',
      '[   30.200005]  watchdog_timer_fn+0x21b/0x260',
      '[   30.200006]  </IRQ>',
    ].join('\n');
    const r = parseKernelLog(log);
    const p = r.primary!;
    expect(p.kind).toBe('hard-lockup');
    expect(p.title).toBe('BUG: hard lockup in crashlab_spin_irqoff');
    expect(p.culprit).toEqual({ symbol: 'crashlab_spin_irqoff', module: 'crashlab' });
    expect({ cpu: p.cpu, pid: p.pid, comm: p.comm }).toEqual({ cpu: 0, pid: 187, comm: 'sh' });
    expect(r.panicMessage).toBe('Hard LOCKUP');
  });

  it('6.12 divide error (Oops: prefix) with panic_on_oops', () => {
    const log = [
      '[    6.1] crashlab: dividing by zero',
      '[    6.2] Oops: divide error: 0000 [#1] PREEMPT SMP NOPTI',
      '[    6.2] CPU: 1 UID: 0 PID: 180 Comm: sh Kdump: loaded Tainted: G           OE      6.12.117+deb12-cloud-amd64 #1',
      '[    6.2] Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE',
      '[    6.2] RIP: 0010:crashlab_divide+0x1b/0x30 [crashlab]',
      '[    6.2] Call Trace:',
      '[    6.2]  <TASK>',
      '[    6.2]  ? die+0x36/0x90',
      '[    6.2]  ? do_trap+0xda/0x100',
      '[    6.2]  ? crashlab_divide+0x1b/0x30 [crashlab]',
      '[    6.2]  ? exc_divide_error+0x38/0x50',
      '[    6.2]  ? asm_exc_divide_error+0x1a/0x20',
      '[    6.2]  crashlab_trigger_write+0x150/0x1a0 [crashlab]',
      '[    6.2]  </TASK>',
    ].join('\n');
    const p = parseKernelLog(log).primary!;
    expect(p.kind).toBe('divide-error');
    expect(p.title).toBe('divide error in crashlab_divide');
    expect(p.taint).toEqual({ raw: 'G OE', flags: ['OOT_MODULE', 'UNSIGNED_MODULE'] });
    expect({ cpu: p.cpu, pid: p.pid, comm: p.comm }).toEqual({ cpu: 1, pid: 180, comm: 'sh' });
  });

  it('6.12 list corruption: __list_add_valid_or_report is skipped, the caller is the culprit', () => {
    const log = [
      'list_add corruption. next->prev should be prev (ffffffffc036c3f0), but was ffffffffc036c3d0. (next=ffffffffc036c3e0).',
      '------------[ cut here ]------------',
      'kernel BUG at lib/list_debug.c:32!',
      'Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
      'CPU: 0 UID: 0 PID: 130 Comm: sh Not tainted 6.12.117+deb12-cloud-amd64 #1',
      'RIP: 0010:__list_add_valid_or_report+0x7a/0xa0',
      'Call Trace:',
      ' <TASK>',
      ' ? die+0x36/0x90',
      ' crashlab_list_corrupt+0x57/0x96 [crashlab]',
      ' </TASK>',
    ].join('\n');
    const r = parseKernelLog(log);
    expect(r.reports).toHaveLength(1);
    expect(r.primary!.kind).toBe('list-corruption');
    expect(r.primary!.title).toBe('list_add corruption in crashlab_list_corrupt');
    expect(r.primary!.rip!.symbol).toBe('__list_add_valid_or_report');
  });

  it('an RCU stall ending in panic_on_rcu_stall', () => {
    const log = [
      'rcu: INFO: rcu_preempt self-detected stall on CPU',
      'rcu: \t1-....: (5249 ticks this GP) idle=2f6/1/0x4000000000000002 softirq=2300/2300 fqs=2600',
      'CPU: 1 PID: 129 Comm: sh Tainted: G           OE      6.1.0-56-cloud-amd64 #1',
      'RIP: 0010:delay_tsc+0x4a/0xa0',
      'Call Trace:',
      ' <IRQ>',
      ' rcu_dump_cpu_stacks+0xa5/0xe0',
      ' rcu_sched_clock_irq.cold+0x4b/0x1b9',
      ' </IRQ>',
      ' <TASK>',
      ' asm_sysvec_apic_timer_interrupt+0x16/0x20',
      ' __const_udelay+0x43/0x50',
      ' crashlab_spin_udelay+0x20/0x40 [crashlab]',
      ' </TASK>',
      'Kernel panic - not syncing: RCU Stall',
    ].join('\n');
    const p = parseKernelLog(log).primary!;
    expect(p.kind).toBe('rcu-stall');
    expect(p.culprit).toEqual({ symbol: 'crashlab_spin_udelay', module: 'crashlab' });
  });
});

describe('report chains', () => {
  it('a list corruption reported by WARN (no BUG_ON_DATA_CORRUPTION) then panic_on_warn → list-corruption', () => {
    const log = [
      'list_del corruption. prev->next should be ffff888004e1c7c8, but was ffff888004e1c7d8. (prev=ffff888004e1c7e8)',
      'WARNING: CPU: 0 PID: 130 at lib/list_debug.c:62 __list_del_entry_valid_or_report+0xc6/0xf0',
      'Modules linked in: crashlab(OE)',
      'CPU: 0 UID: 0 PID: 130 Comm: sh Tainted: G           OE      6.12.117+deb12-cloud-amd64 #1',
      'RIP: 0010:__list_del_entry_valid_or_report+0xc6/0xf0',
      'Call Trace:',
      ' <TASK>',
      ' ? __warn+0x81/0x130',
      ' crashlab_list_del+0x20/0x40 [crashlab]',
      ' </TASK>',
      'Kernel panic - not syncing: kernel: panic_on_warn set ...',
      'Call Trace:',
      ' panic+0x344/0x3a0',
      ' check_panic_on_warn+0x4f/0x60',
    ].join('\n');
    const r = parseKernelLog(log);
    expect(r.reports.map((x) => x.kind)).toEqual(['list-corruption', 'panic']);
    expect(r.primary!.kind).toBe('list-corruption');
    expect(r.primary!.title).toBe('list_del corruption in crashlab_list_del');
  });

  it('old kernels: sysrq-c NULL write oops then "Fatal exception" → sysrq', () => {
    const log = [
      '[  100.0] sysrq: SysRq : Trigger a crash',
      '[  100.1] BUG: unable to handle kernel NULL pointer dereference at 0000000000000000',
      '[  100.1] IP: sysrq_handle_crash+0x16/0x20',
      '[  100.1] Oops: 0002 [#1] SMP PTI',
      '[  100.1] CPU: 2 PID: 1411 Comm: bash Not tainted 4.19.0-25-amd64 #1 Debian 4.19.289-2',
      '[  100.1] RIP: 0010:sysrq_handle_crash+0x16/0x20',
      '[  100.1] Call Trace:',
      '[  100.1]  __handle_sysrq.cold.9+0x45/0xf2',
      '[  100.1]  write_sysrq_trigger+0x2b/0x30',
      '[  100.1]  proc_reg_write+0x39/0x60',
      '[  100.2] Kernel panic - not syncing: Fatal exception',
    ].join('\n');
    const r = parseKernelLog(log);
    expect(r.primary!.kind).toBe('sysrq');
    expect(r.primary!.culprit).toEqual({ symbol: 'sysrq_handle_crash', module: null });
    expect(r.primary!.rip!.symbol).toBe('sysrq_handle_crash');
    expect(r.primary!.comm).toBe('bash');
  });
});
