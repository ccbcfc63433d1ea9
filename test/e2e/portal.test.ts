import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, removeDir, type RunningCollector } from '../collector/harness.js';
import { chromiumMissing, launchChromium, type Browser } from './browser.js';
import {
  DEAD_NODE,
  deepToolsMissing,
  NOT_READY_NODE,
  READY_NODE,
  USERS,
  api,
  createUser,
  enrollAndReport,
  registerDrill,
  requireBuilt,
  startPortalCollector,
  truths,
  untilLiveness,
  uploadFixtures,
  waitTriaged,
  watchNode,
} from './portal-fleet.js';

/**
 * The portal in headless Chromium, used the way a support engineer would, against a built
 * collector holding the fixture dumps and two reporting nodes. Screenshots of every screen go
 * to KDF_E2E_OUTPUT (default /var/tmp/kdumpfleet/e2e/portal), outside the repository.
 */
const missing = chromiumMissing();
if (missing) console.warn(`portal e2e skipped: ${missing}`);

if (deepToolsMissing) console.warn(`portal e2e: crash/drgn tabs test skipped: ${deepToolsMissing}`);

const outDir = process.env.KDF_E2E_OUTPUT ?? '/var/tmp/kdumpfleet/e2e/portal';

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe.skipIf(missing !== null)('portal in Chromium', () => {
  let c: RunningCollector;
  let browser: Browser;
  let page: Page;
  let dumpIds: Map<string, string>;
  const pageErrors: string[] = [];
  const shot = (name: string) =>
    page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });

  async function signIn(u: { username: string; password: string }) {
    await page.goto(`${c.url}/`);
    await page.getByLabel('User name').fill(u.username);
    await page.getByLabel('Password').fill(u.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('whoami').waitFor();
  }

  beforeAll(async () => {
    requireBuilt();
    mkdirSync(outDir, { recursive: true });
    for (const f of readdirSync(outDir)) if (f.endsWith('.png')) removeDir(join(outDir, f));
    c = await startPortalCollector();
    await createUser(c, USERS.engineer);
    await createUser(c, USERS.viewer);
    const ready = await enrollAndReport(c, READY_NODE.node, READY_NODE.sysroot);
    expect(ready.reportCode, ready.stderr).toBe(0);
    const notReady = await enrollAndReport(c, NOT_READY_NODE.node, NOT_READY_NODE.sysroot);
    expect(notReady.reportCode, notReady.stderr).toBe(1);
    // web-01 announces a drill; its next good dump (uploaded below) makes it pass.
    await registerDrill(c, READY_NODE.node, ready.uploadToken);
    dumpIds = await uploadFixtures(c);
    for (const id of dumpIds.values()) await waitTriaged(c, id);
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Uncaught script errors and CSP violations would mean a broken screen even if it renders.
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()))
        pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    if (c) removeDir(c.dataDir);
    console.log(`portal screenshots: ${outDir}`);
  });

  it('signs in as an engineer', async () => {
    await page.goto(`${c.url}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('01-login');
    // A wrong password is refused with a message, no session.
    await page.getByLabel('User name').fill(USERS.engineer.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /wrong user name or password/,
    );
    await signIn(USERS.engineer);
    await expect(page.getByTestId('whoami').textContent()).resolves.toContain('engineer');
  });

  it('fleet: one ready node, one not ready with its failing check and remediation; liveness alive / undead / dead', async () => {
    // Liveness from the real `kdumpfleet watch`: app-03 sends one heartbeat and goes silent
    // (dead after NODE_DEAD_AFTER), web-01's service answers (alive), db-02's accepts and never
    // speaks (undead) and its crash action is refused: db-02's kdump is not ready.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const watchers: ChildProcess[] = [];
    try {
      const once = watchNode(c, DEAD_NODE, [
        '--once',
        '--probes',
        'tcp-accept',
        '--tcp-connect',
        `${port}`,
      ]);
      await new Promise((r) => once.once('exit', r));
      const every = ['--interval', '2', '--deadline', '1.5', '--probes', 'tcp-accept'];
      watchers.push(
        watchNode(c, READY_NODE.node, [...every, '--tcp-connect', `${port}`], READY_NODE.sysroot),
        watchNode(
          c,
          NOT_READY_NODE.node,
          [...every, '--tcp', `127.0.0.1:${port}`, '--action', 'crash', '--crash-after', '2'],
          NOT_READY_NODE.sysroot,
        ),
      );
      const states = await untilLiveness(
        c,
        (l) =>
          l.get(READY_NODE.node)?.state === 'alive' &&
          l.get(NOT_READY_NODE.node)?.action?.state === 'refused' &&
          l.get(DEAD_NODE)?.state === 'dead',
      );
      expect(states.get(NOT_READY_NODE.node)?.state).toBe('undead');

      await page.reload();
      await page.getByTestId('fleet-table').waitFor();
      await expect(page.getByTestId('fleet-summary').textContent()).resolves.toMatch(
        /1\s*of\s*3 nodes ready/,
      );
      const row = (node: string) => page.locator(`[data-testid=node-row][data-node="${node}"]`);
      const ready = row(READY_NODE.node);
      const notReady = row(NOT_READY_NODE.node);
      const dead = row(DEAD_NODE);
      await expect(ready.getAttribute('data-status')).resolves.toBe('ready');
      await expect(notReady.getAttribute('data-status')).resolves.toBe('not-ready');
      const findings = await notReady.getByTestId('finding').allTextContents();
      expect(findings.join('\n')).toMatch(/crashkernel-size/);
      expect(findings.join('\n')).toMatch(/Fix:/);
      await expect(ready.textContent()).resolves.toMatch(/all checks pass|warning/);
      await expect(ready.locator('.badge.drill-passed').textContent()).resolves.toBe('passed');
      await expect(notReady.textContent()).resolves.toMatch(/never/);

      // Liveness: alive; undead naming what is stuck and since when; dead since when.
      await expect(ready.getAttribute('data-liveness')).resolves.toBe('alive');
      await expect(ready.getByTestId('liveness').textContent()).resolves.toMatch(/^alive/);
      await expect(notReady.getAttribute('data-liveness')).resolves.toBe('undead');
      await expect(notReady.getByTestId('liveness-stuck').textContent()).resolves.toBe(
        `tcp-accept at 127.0.0.1:${port}`,
      );
      await expect(notReady.getByTestId('liveness-since').textContent()).resolves.toMatch(
        /^since \d{4}-\d\d-\d\d \d\d:\d\dZ \(\d+ s ago\)$/,
      );
      const action = notReady.getByTestId('liveness-action');
      await expect(action.getAttribute('data-action')).resolves.toBe('refused');
      await expect(action.textContent()).resolves.toMatch(
        /crash action refused.*crashkernel-size/s,
      );
      await notReady.locator('details.evidence summary').click();
      await expect(notReady.locator('details.evidence pre').textContent()).resolves.toMatch(
        /no answer within 1500 ms; blocked at 127\.0\.0\.1:/,
      );
      await expect(dead.getAttribute('data-liveness')).resolves.toBe('dead');
      await expect(dead.getAttribute('data-status')).resolves.toBe('no-report');
      await expect(dead.getByTestId('liveness-since').textContent()).resolves.toMatch(
        /^no heartbeat since \d{4}-\d\d-\d\d \d\d:\d\dZ/,
      );
      await expect(page.getByTestId('liveness-summary').textContent()).resolves.toMatch(
        /1 alive.*1 undead.*1 dead/,
      );
      await shot('02-fleet');
    } finally {
      for (const w of watchers) w.kill('SIGTERM');
      silent.close();
    }
    // Filter: only the not-ready node stays.
    await page.getByLabel('Status').selectOption('not-ready');
    await expect(page.locator('[data-testid=node-row]').count()).resolves.toBe(1);
    await page.getByLabel('Status').selectOption('all');
  });

  it('crashes: the fixtures’ buckets, each linking to its dumps', async () => {
    const buckets = (await api(c, '/api/v1/buckets', { headers: adminHeaders })).body as {
      items: { id: string; title: string; count: number }[];
    };
    expect(buckets.items.length).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Crashes' }).click();
    await page.getByTestId('buckets-table').waitFor();
    const rows = await page.getByTestId('bucket-row').allTextContents();
    expect(rows).toHaveLength(buckets.items.length);
    for (const b of buckets.items) expect(rows.some((r) => r.includes(b.title))).toBe(true);
    await shot('03-crashes');
    const first = buckets.items[0]!;
    await page.getByRole('link', { name: first.title }).first().click();
    await page.getByTestId('bucket-dumps').waitFor();
    await expect(page.locator('[data-testid=bucket-dumps] tbody tr').count()).resolves.toBe(
      first.count,
    );
    await shot('04-bucket');
  });

  it('dump: culprit, call trace (unreliable frames dimmed), log viewer, results', async () => {
    const t = truths().find((x) => x.oops?.culprit && x.oops.kind === 'null-deref') ?? truths()[0]!;
    const id = dumpIds.get(t.name)!;
    await page.goto(`${c.url}/dumps/${id}`);
    await page.getByTestId('call-trace').waitFor();
    await expect(page.getByTestId('culprit').textContent()).resolves.toContain(
      t.oops!.culprit.symbol,
    );
    const frames = page.locator('[data-testid=call-trace] li.frame');
    expect(await frames.count()).toBeGreaterThan(2);
    const unreliable = page.locator('[data-testid=call-trace] li.frame.unreliable');
    if ((await unreliable.count()) > 0) {
      const opacity = await unreliable
        .first()
        .evaluate(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }
            ).getComputedStyle(el).opacity,
        );
      expect(Number(opacity)).toBeLessThan(1);
    }
    await expect(page.getByTestId('sha256').textContent()).resolves.toBe(t.sha256);
    // Log viewer: newest line first, search narrows it.
    await page.getByTestId('log-lines').waitFor();
    await page.getByLabel('Search the log').fill(t.oops!.culprit.symbol);
    const hits = await page.locator('[data-testid=log-lines] div').allTextContents();
    expect(hits.length).toBeGreaterThan(0);
    for (const l of hits) expect(l).toContain(t.oops!.culprit.symbol);
    await page.getByLabel('Search the log').fill('');
    await shot('05-dump');
  });

  it('download returns the exact bytes (sha256) and is audited', async () => {
    const t = truths()[0]!;
    const id = dumpIds.get(t.name)!;
    await page.goto(`${c.url}/dumps/${id}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-dump').click(),
    ]);
    const path = await download.path();
    await expect(sha256File(path)).resolves.toBe(t.sha256);
    const audit = (await api(c, `/api/v1/audit/downloads?dumpId=${id}`, { headers: adminHeaders }))
      .body as { items: { actor: string; item: string; status: number }[] };
    expect(
      audit.items.some((e) => e.actor === `user:${USERS.engineer.username}` && e.item === 'file'),
    ).toBe(true);
  });

  it('a browser upload of a fixture completes and is verified', async () => {
    const t = truths().reduce((a, b) => (a.size <= b.size ? a : b));
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.getByTestId('uppy').waitFor();
    await page.getByLabel('Node (host name) *').fill('customer-7');
    await page.getByLabel('Ticket').fill('SUP-4711');
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(t.path);
    await shot('06-upload-added');
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    await page
      .getByTestId('uploaded')
      .getByRole('link', { name: 'open the dump' })
      .waitFor({ timeout: 180_000 });
    await shot('07-upload-done');
    const list = (await api(c, '/api/v1/dumps?node=customer-7', { headers: adminHeaders }))
      .body as {
      items: { id: string; sha256: string; size: number }[];
    };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]!.sha256).toBe(t.sha256);
    expect(list.items[0]!.size).toBe(t.size);
    await page.getByTestId('uploaded').getByRole('link', { name: 'open the dump' }).click();
    await expect(page.getByTestId('ticket').textContent()).resolves.toBe('SUP-4711');
  });

  it('a browser upload paused mid-way resumes from the collector’s offset', async () => {
    const t = truths().reduce((a, b) => (a.size <= b.size ? a : b));
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.getByTestId('uppy').waitFor();
    await page.getByLabel('Node (host name) *').fill('customer-8');
    // A slow uplink (2 MB/s) so the pause lands in the middle of the PATCH.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2_000_000,
    });
    const tusRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/uploads')) tusRequests.push(r.method());
    });
    await page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(t.path);
    await page.locator('.uppy-StatusBar-actionBtn--upload').click();
    // hashing first, then the PATCH starts: let ~3 MB of it go at 2 MB/s, then pause
    await expect.poll(() => tusRequests.includes('PATCH'), { timeout: 60_000 }).toBe(true);
    await page.waitForTimeout(1500);
    await page.locator('[data-cy=togglePauseResume]').click();
    await shot('07b-upload-paused');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.locator('[data-cy=togglePauseResume]').click();
    await page
      .getByTestId('uploaded')
      .getByRole('link', { name: 'open the dump' })
      .waitFor({ timeout: 180_000 });
    // the resume asked the collector for its offset (HEAD) and sent the rest (a second PATCH)
    expect(tusRequests.filter((m) => m === 'POST')).toHaveLength(1);
    expect(tusRequests).toContain('HEAD');
    expect(tusRequests.filter((m) => m === 'PATCH').length).toBeGreaterThanOrEqual(2);
    const list = (await api(c, '/api/v1/dumps?node=customer-8', { headers: adminHeaders }))
      .body as {
      items: { sha256: string; size: number }[];
    };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]!.sha256).toBe(t.sha256);
    await cdp.detach();
  });

  it('signs out', async () => {
    await page.getByTestId('logout').click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const s = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    expect(s).toBe(401);
  });

  it('a viewer sees no download button and gets 403 from the API', async () => {
    await signIn(USERS.viewer);
    const id = dumpIds.values().next().value!;
    await page.goto(`${c.url}/dumps/${id}`);
    await page.getByTestId('no-download').waitFor();
    await expect(page.getByTestId('download-dump').count()).resolves.toBe(0);
    await expect(page.getByRole('link', { name: /download/i }).count()).resolves.toBe(0);
    const status = await page.evaluate(async (dumpId) => {
      const r = await fetch(`/api/v1/dumps/${dumpId}/file`);
      return r.status;
    }, id);
    expect(status).toBe(403);
    await shot('08-dump-viewer');
    await page.getByTestId('logout').click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('admin: users, node enrollment and the download audit', async () => {
    await signIn(USERS.admin);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByTestId('users').waitFor();
    await page.getByTestId('audit').locator('tbody tr').first().waitFor();
    await page.getByLabel('Label').fill('rack 12');
    await page.getByRole('button', { name: 'Create enrollment token' }).click();
    await expect(page.getByTestId('new-enrollment-token').textContent()).resolves.toMatch(/kdfe_/);
    await shot('09-admin');
  });

  it.skipIf(deepToolsMissing !== null)(
    'deep analysis output (crash/drgn) shows as tabs',
    async () => {
      const deadline = Date.now() + 300_000;
      let analyzed: string | null = null;
      while (!analyzed && Date.now() < deadline) {
        for (const id of dumpIds.values()) {
          const a = (await api(c, `/api/v1/dumps/${id}/analysis`, { headers: adminHeaders }))
            .body as {
            state: string;
          };
          if (a.state === 'analyzed') analyzed = id;
        }
        if (!analyzed) await new Promise((r) => setTimeout(r, 2000));
      }
      expect(analyzed, 'no dump reached analyzed within 5 min').not.toBeNull();
      await page.goto(`${c.url}/dumps/${analyzed}`);
      await page.getByTestId('tool-tabs').waitFor();
      const tabs = page.locator('[data-testid=tool-tabs] [role=tab]');
      expect(await tabs.count()).toBeGreaterThan(1);
      await tabs.nth(1).click();
      await expect(page.locator('pre.tool-output').textContent()).resolves.not.toBe('');
      await shot('10-dump-deep-results');
    },
  );

  it('no script error or CSP violation happened on any screen', () => {
    expect(pageErrors).toEqual([]);
  });
});
