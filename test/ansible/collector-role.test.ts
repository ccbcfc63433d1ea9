// The kdumpfleet_collector role against a fresh Debian root (community.general.chroot): files,
// account, 0600 environment file, unit, offline enable, idempotence, check mode; then the
// collector installed by the role is started inside the root with that environment and must
// answer /health/live. Opt-in (KDUMPFLEET_ANSIBLE_COLLECTOR=1): its bundle compiles native
// addons (better-sqlite3) the first time, about 5 minutes on 2 cores, cached afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansibleEnv, changedTasks, freePort, parseEnvFile, recapOf, runTool, type PlaybookResult } from './ansible-run.js';
import { cacheDir, freshDebianRoot, type DebianRoot } from './debian-root.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ansibleDir = join(repoRoot, 'ansible');
const env = ansibleEnv(ansibleDir);
const host = 'collector1';

const tools = ['ansible-playbook', 'debootstrap'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);
const optedIn = process.env.KDUMPFLEET_ANSIBLE_COLLECTOR === '1';
const built = existsSync(join(repoRoot, 'apps', 'collector', 'dist', 'main.js'));
const enabled = optedIn && tools && process.getuid?.() === 0 && built;
if (!enabled) {
  console.warn(
    'test/ansible/collector-role: skipped: ' +
      (!optedIn
        ? 'opt in with KDUMPFLEET_ANSIBLE_COLLECTOR=1 (first run builds the collector bundle, ~5 min)'
        : !tools
          ? 'install ansible and debootstrap'
          : !built
            ? 'apps/collector is not built (npm run build)'
            : 'needs root'),
  );
}

describe.skipIf(!enabled)('collector role in a Debian chroot', () => {
  const timings: Record<string, number> = {};
  const uploadToken = 'ansible-test-upload-token-0002';
  const adminToken = 'ansible-test-admin-token-00002';
  let root: DebianRoot;
  let work: string;
  let inventory: string;
  let first: PlaybookResult;
  let port: number;
  let running: ChildProcess | null = null;

  const inRoot = (p: string) => join(root.path, p);
  const playbook = (extra: string[] = []) =>
    runTool('ansible-playbook', ['-i', inventory, 'playbooks/site.yml', ...extra], ansibleDir, env);

  beforeAll(async () => {
    root = freshDebianRoot();
    const bundleDir = join(cacheDir, 'bundles');
    let t = Date.now();
    const b = await runTool(
      'ansible-playbook',
      ['playbooks/bundle.yml', '-e', 'bundle_build=false', '-e', '{"bundle_apps":["collector"]}', '-e', `bundle_out_dir=${bundleDir}`],
      ansibleDir,
      env,
    );
    if (b.code !== 0) throw new Error(`bundle.yml failed:\n${b.stdout.slice(-3000)}\n${b.stderr.slice(-2000)}`);
    timings['bundle.yml (collector)'] = (Date.now() - t) / 1000;

    port = await freePort();
    work = mkdtempSync(join(tmpdir(), 'kdf-ansible-collector-role-'));
    inventory = join(work, 'hosts.yml');
    const vars = {
      ansible_connection: 'community.general.chroot',
      ansible_host: root.path,
      ansible_python_interpreter: '/usr/bin/python3',
      kdumpfleet_collector_bundle: join(bundleDir, 'kdumpfleet-collector-bundle.tar.gz'),
      kdumpfleet_collector_node_source: 'path',
      kdumpfleet_collector_node_path: process.execPath,
      kdumpfleet_collector_host: '127.0.0.1',
      kdumpfleet_collector_port: port,
      kdumpfleet_collector_upload_tokens: [uploadToken],
      kdumpfleet_collector_admin_token: adminToken,
      kdumpfleet_collector_env_extra: { LOG_LEVEL: 'warn' },
    };
    writeFileSync(
      inventory,
      JSON.stringify({ all: { children: { kdumpfleet_collectors: { hosts: { [host]: vars } }, kdumpfleet_agents: { hosts: {} } } } }),
    );
    t = Date.now();
    first = await playbook();
    timings['site.yml (collector), first run'] = (Date.now() - t) / 1000;
  }, 900_000);

  afterAll(() => {
    running?.kill('SIGKILL');
    root?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`test/ansible/collector-role timings (s): ${JSON.stringify(timings)}`);
  });

  it('installs the collector, its account, a 0600 environment file and the unit', () => {
    expect(first.code, first.stdout.slice(-4000)).toBe(0);
    expect(recapOf(first.stdout, host)?.failed).toBe(0);
    expect(existsSync(inRoot('opt/kdumpfleet/collector/node_modules/@kdumpfleet/collector/dist/main.js'))).toBe(true);
    expect(readFileSync(inRoot('etc/passwd'), 'utf8')).toMatch(/^kdumpfleet:x:\d+:\d+::\/var\/lib\/kdumpfleet-collector:\/usr\/sbin\/nologin$/m);

    const envFile = inRoot('etc/kdumpfleet/collector.env');
    const st = statSync(envFile);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(0);
    const vars = parseEnvFile(readFileSync(envFile, 'utf8'));
    expect(vars).toMatchObject({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/kdumpfleet-collector',
      STORAGE: 'fs',
      UPLOAD_TOKENS: uploadToken,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
    });
    expect(vars.S3_ENDPOINT).toBeUndefined();

    const unit = readFileSync(inRoot('etc/systemd/system/kdumpfleet-collector.service'), 'utf8');
    expect(unit).toMatch(/^User=kdumpfleet$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/kdumpfleet\/collector\.env$/m);
    expect(unit).toMatch(/^ExecStart=\/opt\/kdumpfleet\/node\/bin\/node \/opt\/kdumpfleet\/collector\/node_modules\/@kdumpfleet\/collector\/dist\/main\.js serve$/m);
    expect(lstatSync(inRoot('etc/systemd/system/multi-user.target.wants/kdumpfleet-collector.service')).isSymbolicLink()).toBe(true);
  });

  it('a second run and a check-mode run change nothing', async () => {
    const second = await playbook();
    timings['second run'] = second.seconds;
    expect(recapOf(second.stdout, host), changedTasks(second.stdout, host).join('; ')).toMatchObject({ changed: 0, failed: 0 });
    const check = await playbook(['--check']);
    timings['--check'] = check.seconds;
    expect(recapOf(check.stdout, host), changedTasks(check.stdout, host).join('; ')).toMatchObject({ changed: 0, failed: 0 });
  });

  it('storage=s3 without its settings is refused', async () => {
    const r = await playbook(['-e', 'kdumpfleet_collector_storage=s3']);
    expect(recapOf(r.stdout, host)?.failed).toBe(1);
    expect(r.stdout).toContain('storage=s3 needs kdumpfleet_collector_s3_endpoint');
  });

  it('the installed collector serves /health/live with the role-written environment', async () => {
    const vars = parseEnvFile(readFileSync(inRoot('etc/kdumpfleet/collector.env'), 'utf8'));
    // What the unit would do: the service user, the EnvironmentFile, the ExecStart.
    running = spawn(
      'chroot',
      ['--userspec=kdumpfleet:kdumpfleet', root.path, '/opt/kdumpfleet/node/bin/node', '/opt/kdumpfleet/collector/node_modules/@kdumpfleet/collector/dist/main.js', 'serve'],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...vars }, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    running.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 300));
      status = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0);
    }
    expect(status, stderr.slice(-2000)).toBe(200);
    const probe = await fetch(`http://127.0.0.1:${port}/api/v1/uploads/x`, {
      method: 'HEAD',
      headers: { Authorization: `Bearer ${uploadToken}`, 'Tus-Resumable': '1.0.0' },
    });
    expect(probe.status).toBe(404);
  }, 60_000);
});
