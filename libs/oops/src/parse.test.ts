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
