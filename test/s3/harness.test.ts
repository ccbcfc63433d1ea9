/** The harness itself: it starts, serves S3, and leaves no process or directory behind. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { s3Prerequisites, startS3 } from './harness.js';

const pre = s3Prerequisites();
if (!pre.ok && process.env.CI === 'true')
  throw new Error(`CI=true but the S3 server cannot run: ${pre.reason}`);
if (!pre.ok)
  console.warn(
    `skipping S3 harness tests: ${pre.reason}; install: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw`,
  );

describe.runIf(pre.ok)('startS3', () => {
  it('runs a loopback-only RGW, and stop() removes every daemon and the temp dir', async () => {
    const s = await startS3({ bucket: 'kdf-harness' });
    expect(s).not.toBeNull();
    const server = s!;
    try {
      expect(server.endpoint).toBe(`http://127.0.0.1:${server.port}`);
      const pids = readdirSync(join(server.dir, 'run'))
        .filter((f) => f.endsWith('.pid'))
        .map((f) => Number(readFileSync(join(server.dir, 'run', f), 'utf8')));
      expect(pids).toHaveLength(3); // mon, osd, rgw
      // anonymous listing is refused, signed requests are served: auth is on for S3 itself
      const anon = await fetch(`${server.endpoint}/${server.bucket}`);
      expect(anon.status).toBe(403);
      // every daemon's sockets are bound to loopback only
      const listening = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
      for (const line of listening) {
        const [, local, , st] = line.trim().split(/\s+/);
        if (
          st === '0A' &&
          local?.endsWith(`:${server.port.toString(16).toUpperCase().padStart(4, '0')}`)
        ) {
          expect(local.startsWith('0100007F')).toBe(true);
        }
      }
      await server.stop();
      expect(existsSync(server.dir)).toBe(false);
      for (const pid of pids)
        expect(
          existsSync(`/proc/${pid}/cmdline`) &&
            readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(server.dir),
        ).toBe(false);
    } finally {
      await server.stop(); // idempotent
    }
  });

  it('reaps a cluster whose owning test process died without cleaning up', async () => {
    const orphan = (await startS3({ bucket: 'kdf-orphan' }))!;
    const pids = readdirSync(join(orphan.dir, 'run'))
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(readFileSync(join(orphan.dir, 'run', f), 'utf8')));
    // pretend its owner was SIGKILLed: the marker now names a pid that has exited
    const dead = spawnSync('true').pid;
    writeFileSync(join(orphan.dir, '.kdf-rgw'), `${dead}\n`);
    const next = (await startS3({ bucket: 'kdf-next' }))!;
    try {
      expect(existsSync(orphan.dir)).toBe(false);
      for (const pid of pids) {
        const cmd = existsSync(`/proc/${pid}/cmdline`)
          ? readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          : '';
        expect(cmd.includes(orphan.dir)).toBe(false);
      }
    } finally {
      await next.stop();
      await orphan.stop();
    }
  });
});
