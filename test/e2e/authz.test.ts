import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredRole, ROUTE_POLICY } from '../../apps/collector/src/users/roles/route-policy.js';
import { roleSatisfies, type UserRole } from '../../apps/collector/src/users/roles/roles.js';
import {
  UPLOAD_TOKEN,
  adminHeaders,
  removeDir,
  startCollector,
  tempDataDir,
  type RunningCollector,
} from '../collector/harness.js';
import {
  USERS,
  api,
  createUser,
  kdumpfleet,
  requireBuilt,
  startPortalCollector,
} from './portal-fleet.js';

/**
 * API authorization against the built collector: every route of the policy table × every role
 * (plus nobody, the upload token and an enrolled node token), CSRF on state changes, login rate
 * limiting, session cookie flags, enrollment, and the first admin printed once.
 */
interface Session {
  cookie: string;
  csrf: string;
}

const ROLES: UserRole[] = ['viewer', 'engineer', 'admin'];
/** Routes that need no credentials (or carry their own, like `enroll`), besides OPTIONS. */
const PUBLIC = new Set([
  'POST /api/v1/session/login',
  'GET /api/v1/session',
  'POST /api/v1/session/logout',
  'POST /api/v1/enroll',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
]);

function concrete(route: string): { method: string; path: string; params: Record<string, string> } {
  const [method, pattern] = route.split(' ') as [string, string];
  const params: Record<string, string> = {};
  const path = pattern.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
    const v =
      name === 'node'
        ? 'web-01'
        : name === 'name'
          ? 'dmesg.txt'
          : name === 'uploadId'
            ? 'nope'
            : randomUUID();
    params[name] = v;
    return v;
  });
  return { method, path, params };
}

describe('API authorization, CSRF, rate limits', () => {
  let c: RunningCollector;
  const sessions = new Map<UserRole, Session>();
  let nodeToken = '';

  async function login(
    u: { username: string; password: string },
    headers: Record<string, string> = {},
  ) {
    return fetch(`${c.url}/api/v1/session/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ username: u.username, password: u.password }),
    });
  }

  async function session(u: { username: string; password: string }): Promise<Session> {
    const res = await login(u);
    expect(res.status).toBe(200);
    const cookie = /kdf_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
    const body = (await res.json()) as { csrfToken: string };
    return { cookie: `kdf_session=${cookie}`, csrf: body.csrfToken };
  }

  function asUser(
    s: Session,
    method: string,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    return {
      Cookie: s.cookie,
      ...(method === 'GET' || method === 'HEAD' ? {} : { 'X-CSRF-Token': s.csrf, Origin: c.url }),
      ...extra,
    };
  }

  beforeAll(async () => {
    requireBuilt();
    c = await startPortalCollector({
      LOGIN_MAX_FAILURES: '3',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '8',
    });
    await createUser(c, USERS.engineer);
    await createUser(c, USERS.viewer);
    sessions.set('admin', await session(USERS.admin));
    sessions.set('engineer', await session(USERS.engineer));
    sessions.set('viewer', await session(USERS.viewer));
    const e = await api(c, '/api/v1/enrollment-tokens', {
      method: 'POST',
      headers: { ...adminHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'authz', maxUses: 1 }),
    });
    const enrolled = await api(c, '/api/v1/enroll', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: (e.body as { token: string }).token, node: 'web-01' }),
    });
    expect(enrolled.status).toBe(201);
    nodeToken = (enrolled.body as { uploadToken: string }).uploadToken;
  });

  afterAll(async () => {
    await c?.stop();
    if (c) removeDir(c.dataDir);
  });

  it('the policy table names every API route the collector serves', async () => {
    const doc = (await api(c, '/api/docs-json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const m of Object.keys(ops))
        served.push(`${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
    const unlisted = served.filter(
      (r) => !(r in ROUTE_POLICY) && !PUBLIC.has(r) && !r.startsWith('OPTIONS '),
    );
    expect(unlisted).toEqual([]);
    expect(served.length).toBeGreaterThan(20);
  });

  for (const route of Object.keys(ROUTE_POLICY)) {
    it(`${route}: nobody 401, each role by the policy`, async () => {
      const { method, path, params } = concrete(route);
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
      const json: Record<string, string> = body ? { 'Content-Type': 'application/json' } : {};
      const anon = await fetch(`${c.url}${path}`, { method, headers: json, body });
      expect(anon.status, `${route} anonymous`).toBe(401);
      for (const role of ROLES) {
        const res = await fetch(`${c.url}${path}`, {
          method,
          headers: asUser(sessions.get(role)!, method, json),
          body,
        });
        const allowed = roleSatisfies(role, requiredRole(method, route.split(' ')[1]!, params));
        if (allowed) expect([401, 403], `${route} as ${role}`).not.toContain(res.status);
        else expect(res.status, `${route} as ${role}`).toBe(403);
      }
    });
  }

  it('viewers may read triage and summary results, not the log or tool output', async () => {
    const v = sessions.get('viewer')!;
    const id = randomUUID();
    const summary = await fetch(`${c.url}/api/v1/dumps/${id}/results/triage.json`, {
      headers: asUser(v, 'GET'),
    });
    expect(summary.status).toBe(404); // authorized; the dump does not exist
    const log = await fetch(`${c.url}/api/v1/dumps/${id}/results/crash-bt.txt`, {
      headers: asUser(v, 'GET'),
    });
    expect(log.status).toBe(403);
  });

  it('bearer tokens keep their rules; node tokens upload and report only; revocation bites at once', async () => {
    const get = (token: string, path: string) =>
      fetch(`${c.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await get(UPLOAD_TOKEN, '/api/v1/dumps')).status).toBe(403);
    expect((await get(nodeToken, '/api/v1/dumps')).status).toBe(403);
    expect((await get(nodeToken, '/api/v1/users')).status).toBe(403);
    expect((await get('kdfn_not-a-real-token-0123456789', '/api/v1/dumps')).status).toBe(401);
    const tus = (token: string) =>
      fetch(`${c.url}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '10',
        },
      });
    expect((await tus(nodeToken)).status).toBe(400); // past auth: Upload-Metadata missing
    // a node token speaks for its own node only
    const meta = (node: string) =>
      `filename ${Buffer.from('vmcore').toString('base64')},node ${Buffer.from(node).toString('base64')}`;
    const tusAs = (node: string) =>
      fetch(`${c.url}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${nodeToken}`,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '10',
          'Upload-Metadata': meta(node),
        },
      });
    expect((await tusAs('db-02')).status).toBe(403);
    expect((await tusAs('web-01')).status).toBe(400); // its own node: on to metadata checks
    const reportFor = (node: string) =>
      fetch(`${c.url}/api/v1/nodes/${node}/readiness`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${nodeToken}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
    expect((await reportFor('db-02')).status).toBe(403);
    expect((await reportFor('web-01')).status).toBe(400);
    const tokens = (await api(c, '/api/v1/node-tokens', { headers: adminHeaders })).body as {
      items: { id: string; node: string }[];
    };
    const id = tokens.items.find((t) => t.node === 'web-01')!.id;
    const admin = sessions.get('admin')!;
    const revoke = await fetch(`${c.url}/api/v1/node-tokens/${id}`, {
      method: 'DELETE',
      headers: asUser(admin, 'DELETE'),
    });
    expect(revoke.status).toBe(204);
    expect((await tus(nodeToken)).status).toBe(401);
  });

  it('an enrollment token works for maxUses hosts, then is refused', async () => {
    const e = await api(c, '/api/v1/enrollment-tokens', {
      method: 'POST',
      headers: { ...adminHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify({ label: 'two hosts', maxUses: 2 }),
    });
    const token = (e.body as { token: string }).token;
    const enroll = (node: string) =>
      api(c, '/api/v1/enroll', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token, node }),
      });
    expect((await enroll('h1')).status).toBe(201);
    expect((await enroll('h2')).status).toBe(201);
    const third = await enroll('h3');
    expect(third.status).toBe(403);
    expect((third.body as { message: string }).message).toMatch(/no uses left/);
    expect((await enroll('h4')).status).toBe(403);
    // the agent says so in one line and exits 2, writing nothing
    const dir = tempDataDir('enroll-refused');
    const r = kdumpfleet(
      {},
      'enroll',
      '--collector',
      c.url,
      '--token',
      token,
      '--node',
      'h5',
      '--token-file',
      `${dir}/upload-token`,
      '--config',
      `${dir}/agent.json`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/refused the enrollment \(403\): enrollment token has no uses left/);
    expect(existsSync(`${dir}/upload-token`)).toBe(false);
    removeDir(dir);
  });

  describe('CSRF', () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${c.url}/api/v1/enrollment-tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ label: 'csrf' }),
      });

    it('a state change with the session cookie needs the session’s X-CSRF-Token', async () => {
      const s = sessions.get('admin')!;
      const none = await post({ Cookie: s.cookie, Origin: c.url });
      expect(none.status).toBe(403);
      expect(((await none.json()) as { field: string }).field).toBe('x-csrf-token');
      const other = sessions.get('engineer')!.csrf;
      expect((await post({ Cookie: s.cookie, Origin: c.url, 'X-CSRF-Token': other })).status).toBe(
        403,
      );
      expect((await post({ Cookie: s.cookie, Origin: c.url, 'X-CSRF-Token': s.csrf })).status).toBe(
        201,
      );
    });

    it('refuses a foreign Origin even with the right token, and a cross-site login', async () => {
      const s = sessions.get('admin')!;
      const foreign = await post({
        Cookie: s.cookie,
        Origin: 'http://evil.example',
        'X-CSRF-Token': s.csrf,
      });
      expect(foreign.status).toBe(403);
      expect(((await foreign.json()) as { field: string }).field).toBe('origin');
      expect((await login(USERS.viewer, { Origin: 'http://evil.example' })).status).toBe(403);
    });

    it('logout needs the token too; afterwards the cookie is dead', async () => {
      const s = await session(USERS.viewer);
      const bad = await fetch(`${c.url}/api/v1/session/logout`, {
        method: 'POST',
        headers: { Cookie: s.cookie },
      });
      expect(bad.status).toBe(403);
      const ok = await fetch(`${c.url}/api/v1/session/logout`, {
        method: 'POST',
        headers: { Cookie: s.cookie, 'X-CSRF-Token': s.csrf },
      });
      expect(ok.status).toBe(204);
      expect(ok.headers.get('set-cookie')).toMatch(/kdf_session=;.*Max-Age=0/);
      expect(
        (await fetch(`${c.url}/api/v1/buckets`, { headers: { Cookie: s.cookie } })).status,
      ).toBe(401);
    });
  });

  it('session cookie: HttpOnly, SameSite=Strict, Secure only under TLS', async () => {
    const plain = (await login(USERS.viewer)).headers.get('set-cookie')!;
    expect(plain).toMatch(/HttpOnly/);
    expect(plain).toMatch(/SameSite=Strict/);
    expect(plain).not.toMatch(/Secure/);
    const tls = (await login(USERS.viewer, { 'X-Forwarded-Proto': 'https' })).headers.get(
      'set-cookie',
    )!;
    expect(tls).toMatch(/; Secure/);
  });

  it('disabling a user ends their sessions at once', async () => {
    const s = await session(USERS.engineer);
    const users = (await api(c, '/api/v1/users', { headers: adminHeaders })).body as {
      items: { id: string; username: string }[];
    };
    const id = users.items.find((u) => u.username === USERS.engineer.username)!.id;
    const patch = (disabled: boolean) =>
      api(c, `/api/v1/users/${id}`, {
        method: 'PATCH',
        headers: { ...adminHeaders, 'Content-Type': 'application/json' },
        body: JSON.stringify({ disabled }),
      });
    expect((await patch(true)).status).toBe(200);
    expect((await fetch(`${c.url}/api/v1/buckets`, { headers: { Cookie: s.cookie } })).status).toBe(
      401,
    );
    expect((await login(USERS.engineer)).status).toBe(401);
    expect((await patch(false)).status).toBe(200);
  });

  it('the last admin cannot be demoted', async () => {
    const users = (await api(c, '/api/v1/users', { headers: adminHeaders })).body as {
      items: { id: string; username: string }[];
    };
    const id = users.items.find((u) => u.username === USERS.admin.username)!.id;
    const r = await api(c, `/api/v1/users/${id}`, {
      method: 'PATCH',
      headers: { ...adminHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(r.status).toBe(400);
  });

  it('login is rate limited per account and per address (429 + Retry-After)', async () => {
    const wrong = { username: USERS.viewer.username, password: 'wrong-password-xx' };
    for (let i = 0; i < 3; i++) expect((await login(wrong)).status).toBe(401);
    const blocked = await login(USERS.viewer); // even the right password now
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // another account from the same address still works until the address limit…
    expect((await login(USERS.engineer)).status).toBe(200);
    for (let i = 0; i < 5; i++)
      await login({ username: `nobody${i}`, password: 'x-wrong-password' });
    // …which 8 failures from this address have reached
    expect((await login(USERS.engineer)).status).toBe(429);
  });
});

describe('first admin', () => {
  it('is created on the first start with a password printed once', async () => {
    requireBuilt();
    const dataDir = tempDataDir('portal-first-admin');
    let c = await startCollector({ dataDir });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const m = /PORTAL_ADMIN_PASSWORD=(\S+)/.exec(c.output());
      expect(m, c.output()).not.toBeNull();
      const ok = await fetch(`${c.url}/api/v1/session/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: m![1] }),
      });
      expect(ok.status).toBe(200);
      await c.stop();
      c = await startCollector({ dataDir, port: c.port });
      await new Promise((r) => setTimeout(r, 300));
      expect(c.output()).not.toMatch(/PORTAL_ADMIN_PASSWORD/);
    } finally {
      await c.stop();
      removeDir(dataDir);
    }
  });
});
