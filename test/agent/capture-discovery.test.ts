import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from '../collector/harness.js';
import { fixtureDumps } from '../collector/tus-client.js';
import { agentHome, runAgent, type AgentHome } from './agent-harness.js';

interface Listed {
  dumps: {
    dir: string;
    layout: string;
    state: string;
    format: string | null;
    reason: string | null;
    dmesg: string | null;
  }[];
  skipped: { path: string; reason: string }[];
}

const homes: AgentHome[] = [];
afterAll(() => homes.forEach((h) => removeDir(h.root)));
function home(extra: Record<string, unknown> = {}): AgentHome {
  const h = agentHome(extra, 'capture');
  homes.push(h);
  return h;
}
const fx = Object.fromEntries(fixtureDumps().map((f) => [f.name, f.path]));

describe('kdumpfleet dumps: every layout, bad entries skipped with a reason', () => {
  it('finds kdump-tools, kdumpctl, SUSE and kdumpfleet dumps with their states', () => {
    const h = home();
    const d = (name: string, files: Record<string, string | null>) => {
      mkdirSync(join(h.crashDir, name));
      for (const [f, src] of Object.entries(files)) {
        if (src) copyFileSync(src, join(h.crashDir, name, f));
        else writeFileSync(join(h.crashDir, name, f), 'x');
      }
    };
    d('202611230101', { 'dump.202611230101': fx['k61-null-deref']!, 'dmesg.202611230101': null });
    d('192.168.1.5-2026-11-23-01:02:03', {
      'vmcore.flat': fx['k61-panic-flattened']!,
      'vmcore-dmesg.txt': null,
    });
    d('2026-11-23-01:04', { vmcore: fx['k612-null-deref']!, 'README.txt': null });
    d('202611230105', { 'kdumpfleet-capture.json': null, 'dump-incomplete': null });
    d('127.0.0.1-2026-11-23-01:06:00', { 'vmcore-incomplete': null });
    mkdirSync(join(h.crashDir, 'lost+found'));
    symlinkSync('loop', join(h.crashDir, 'loop'));
    symlinkSync('/etc', join(h.crashDir, '202611230107'));
    writeFileSync(join(h.crashDir, 'kexec_cmd'), 'kexec -p …');
    const r = runAgent(h, ['dumps', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Listed;
    const by = (suffix: string) => out.dumps.find((x) => x.dir.endsWith(suffix))!;
    expect(by('202611230101')).toMatchObject({
      layout: 'kdump-tools',
      state: 'complete',
      format: 'kdump-compressed',
    });
    expect(by('01:02:03')).toMatchObject({
      layout: 'kdumpctl',
      state: 'complete',
      format: 'flattened',
    });
    expect(by('2026-11-23-01:04')).toMatchObject({
      layout: 'suse',
      state: 'complete',
      format: 'kdump-compressed',
    });
    expect(by('202611230105')).toMatchObject({ layout: 'kdumpfleet', state: 'incomplete' });
    expect(by('01:06:00')).toMatchObject({ layout: 'kdumpctl', state: 'incomplete' });
    expect(out.dumps).toHaveLength(5);
    expect(out.skipped.map((s) => s.path.split('/').pop()).sort()).toEqual([
      '202611230107',
      'loop',
    ]);
    expect(out.skipped.every((s) => /symlink/.test(s.reason))).toBe(true);
    const table = runAgent(h, ['dumps']);
    expect(table.stdout).toMatch(/incomplete\s+kdumpfleet .*dump-incomplete present/);
  });
});

const makedumpfileOk = spawnSync('makedumpfile', ['--version']).status !== null;
const zstdOk = spawnSync('zstd', ['--version']).status === 0;
if (!makedumpfileOk || !zstdOk)
  console.warn(
    'makedumpfile or zstd missing (apt-get install makedumpfile zstd): capture tests skipped',
  );

describe.skipIf(!makedumpfileOk || !zstdOk)(
  'kdumpfleet capture (real makedumpfile on an ELF vmcore)',
  () => {
    it('writes dump-incomplete, renames to dump.<stamp> when done, saves the dmesg first', () => {
      const h = home({ makedumpfileArgs: '-l -d 31' });
      const elf = join(h.root, 'vmcore.elf');
      const z = spawnSync('zstd', ['-d', '-q', '-o', elf, fx['k61-warn-panic']!]);
      expect(z.status).toBe(0);
      const r = runAgent(h, ['capture', '--vmcore', elf, '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as {
        dir: string;
        dump: string;
        dmesg: string;
        complete: boolean;
        stamp: string;
      };
      expect(out.complete).toBe(true);
      expect(out.dump).toBe(join(out.dir, `dump.${out.stamp}`));
      expect(existsSync(join(out.dir, 'dump-incomplete'))).toBe(false);
      expect(readFileSync(out.dump).subarray(0, 8).toString()).toBe('KDUMP   ');
      expect(readFileSync(out.dmesg, 'utf8')).toMatch(
        /WARNING: CPU: 1 PID: 129 at .*crashlab_warn_once/,
      );
      const meta = JSON.parse(readFileSync(join(out.dir, 'kdumpfleet-capture.json'), 'utf8')) as {
        state: string;
      };
      expect(meta.state).toBe('complete');
      const listed = JSON.parse(runAgent(h, ['dumps', '--json']).stdout) as Listed;
      expect(listed.dumps).toMatchObject([
        { layout: 'kdumpfleet', state: 'complete', format: 'kdump-compressed' },
      ]);
    }, 120_000);

    it('a makedumpfile that dies leaves dump-incomplete: listed incomplete, exit 1, never complete', () => {
      const h = home();
      const fake = join(h.root, 'makedumpfile');
      // dmesg works, the dump dies half-way (as when the capture kernel runs out of memory)
      writeFileSync(
        fake,
        '#!/bin/sh\nif [ "$1" = --dump-dmesg ]; then echo "[ 1.0] log" > "$3"; exit 0; fi\nfor a; do last=$a; done\nhead -c 5000 /dev/zero > "$last"\necho "makedumpfile Failed." >&2\nexit 1\n',
      );
      chmodSync(fake, 0o755);
      const vmcore = join(h.root, 'vmcore');
      writeFileSync(vmcore, 'x');
      const r = runAgent(h, ['capture', '--vmcore', vmcore, '--makedumpfile', fake]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/incomplete dump .*makedumpfile failed \(exit 1\).*Failed/);
      const listed = JSON.parse(runAgent(h, ['dumps', '--json']).stdout) as Listed;
      expect(listed.dumps).toMatchObject([{ layout: 'kdumpfleet', state: 'incomplete' }]);
      expect(listed.dumps[0]!.reason).toMatch(/dump-incomplete present/);
    });

    it('below minFreeSpace only the dmesg is saved, and it says so', () => {
      const h = home({ minFreeSpace: '1000T' });
      const fake = join(h.root, 'makedumpfile');
      writeFileSync(fake, '#!/bin/sh\necho "[ 1.0] log" > "$3"\n');
      chmodSync(fake, 0o755);
      const vmcore = join(h.root, 'vmcore');
      writeFileSync(vmcore, 'x');
      const r = runAgent(h, ['capture', '--vmcore', vmcore, '--makedumpfile', fake, '--json']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { complete: boolean; reason: string; dmesg: string };
      expect(out.complete).toBe(false);
      expect(out.reason).toMatch(/dmesg saved, memory not dumped/);
      expect(readFileSync(out.dmesg, 'utf8')).toMatch(/log/);
    });

    it('outside a capture kernel: one line, exit 2', () => {
      const h = home();
      const r = runAgent(h, ['capture', '--vmcore', join(h.root, 'no-vmcore')]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/does not exist: not running in a capture kernel$/);
    });
  },
);
