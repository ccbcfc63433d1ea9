// The Ansible tree with the real tools: ansible-lint, --syntax-check of every playbook, and a
// real run of site.yml (the agent role) and readiness.yml against a fresh Debian root through
// the community.general.chroot connection, with a real collector on 127.0.0.1 for enrollment.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFileSchema } from '../../apps/agent/src/config/agent-config.js';
import { ansibleEnv, changedTasks, recapOf, runTool, type PlaybookResult } from './ansible-run.js';
import { cacheDir, freshDebianRoot, type DebianRoot } from './debian-root.js';
import { freePort } from '../net/free-port.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ansibleDir = join(repoRoot, 'ansible');
const env = ansibleEnv(ansibleDir);
const host = 'lab1';

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
const missingTools = ['ansible-playbook', 'ansible-lint', 'debootstrap'].filter((t) => !has(t));
const toolsOk = missingTools.length === 0;
if (!toolsOk) {
  console.warn(
    `test/ansible: skipped, missing ${missingTools.join(', ')}: ` +
      'apt-get install -y --no-install-recommends ansible ansible-lint debootstrap',
  );
}
const isRoot = process.getuid?.() === 0;
if (toolsOk && !isRoot) console.warn('test/ansible: chroot runs skipped: debootstrap and chroot need root');

const agentCli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');
function agentCommands(): Set<string> {
  if (!existsSync(agentCli)) return new Set();
  const r = spawnSync(process.execPath, [agentCli, '--help'], { encoding: 'utf8' });
  return new Set([...`${r.stdout}`.matchAll(/^ {2}([a-z][a-z-]*)\s/gm)].map((m) => m[1] ?? ''));
}
const commands = agentCommands();
const chrootOk = toolsOk && isRoot && existsSync(agentCli);
if (toolsOk && isRoot && !chrootOk) console.warn('test/ansible: chroot runs skipped: apps/agent is not built (npm run build)');
const hasCheck = commands.has('check');
const hasConfigure = commands.has('configure');
if (chrootOk && !hasCheck) console.warn('test/ansible: readiness runs skipped: the built agent has no `check` command yet');
if (chrootOk && !hasConfigure) {
  console.warn('test/ansible: the built agent has no `configure` command yet: role runs with kdumpfleet_agent_configure=false');
}

// The controller's environment must not leak into the root (e.g. NODE_EXTRA_CA_CERTS).
const chrootEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

const playbooks = readdirSync(join(ansibleDir, 'playbooks')).filter((f) => f.endsWith('.yml'));

describe.skipIf(!toolsOk)('ansible tree', () => {
  it('is ansible-lint clean (production profile)', async () => {
    const r = await runTool('ansible-lint', ['--offline', '--nocolor', '-p'], ansibleDir, env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/\b[1-9]\d* failure/);
  }, 120_000);

  // From the repository root and without ansible.cfg: the playbooks find their roles anyway
  // (playbooks/roles links to ../roles).
  it.each(playbooks)('playbooks/%s passes --syntax-check from any directory', async (playbook) => {
    const { ANSIBLE_CONFIG: _unused, ...plain } = env;
    const r = await runTool(
      'ansible-playbook',
      ['--syntax-check', join('ansible', 'playbooks', playbook)],
      repoRoot,
      plain,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('every role variable has a default and an argument spec, and back', () => {
    for (const role of ['kdumpfleet_agent', 'kdumpfleet_collector']) {
      const defaults = readFileSync(join(ansibleDir, 'roles', role, 'defaults', 'main.yml'), 'utf8');
      const spec = readFileSync(join(ansibleDir, 'roles', role, 'meta', 'argument_specs.yml'), 'utf8');
      const defaultNames = [...defaults.matchAll(/^(kdumpfleet_\w+):/gm)].map((m) => m[1]).sort();
      const specNames = [...spec.matchAll(/^ {6}(kdumpfleet_\w+):/gm)].map((m) => m[1]).sort();
      expect(defaultNames.length).toBeGreaterThan(10);
      expect(specNames, role).toEqual(defaultNames);
    }
  });
});

interface Collector {
  url: string;
  process: ChildProcess;
  dataDir: string;
}

async function startCollector(uploadToken: string, adminToken: string): Promise<Collector | null> {
  const main = join(repoRoot, 'apps', 'collector', 'dist', 'main.js');
  if (!existsSync(main)) return null;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'kdf-ansible-collector-'));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, UPLOAD_TOKENS: uploadToken, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/health/live`)).ok) return { url, process: child, dataDir };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error('the collector did not answer /health/live within 20 s');
}

describe.skipIf(!chrootOk)('agent role and readiness.yml in a Debian chroot', () => {
  const timings: Record<string, number> = {};
  const uploadToken = 'ansible-test-upload-token-0001';
  const adminToken = 'ansible-test-admin-token-00001';
  let root: DebianRoot;
  let collector: Collector | null = null;
  let work: string;
  let inventory: string;
  let bundle: string;
  let first: PlaybookResult;

  function playbook(name: string, extra: string[] = []): Promise<PlaybookResult> {
    return runTool('ansible-playbook', ['-i', inventory, join('playbooks', name), ...extra], ansibleDir, env);
  }

  beforeAll(async () => {
    let t = Date.now();
    root = freshDebianRoot();
    timings['debian root (cached debootstrap + unpack)'] = (Date.now() - t) / 1000;

    t = Date.now();
    const bundleDir = join(cacheDir, 'bundles');
    const b = await runTool(
      'ansible-playbook',
      ['playbooks/bundle.yml', '-e', 'bundle_build=false', '-e', '{"bundle_apps":["agent"]}', '-e', `bundle_out_dir=${bundleDir}`],
      ansibleDir,
      env,
    );
    if (b.code !== 0) throw new Error(`bundle.yml failed:\n${b.stdout.slice(-3000)}\n${b.stderr.slice(-2000)}`);
    bundle = join(bundleDir, 'kdumpfleet-agent-bundle.tar.gz');
    timings['bundle.yml (agent)'] = (Date.now() - t) / 1000;

    collector = await startCollector(uploadToken, adminToken);
    if (!collector) console.warn('test/ansible: apps/collector is not built: enrollment runs without a collector URL');

    work = mkdtempSync(join(tmpdir(), 'kdf-ansible-'));
    inventory = join(work, 'hosts.yml');
    // The controller's own Node.js goes to the root: bookworm's nodejs (18) is older than the
    // agent needs, which is exactly what kdumpfleet_agent_node_source=path is for.
    const vars: Record<string, unknown> = {
      ansible_connection: 'community.general.chroot',
      ansible_host: root.path,
      ansible_python_interpreter: '/usr/bin/python3',
      kdumpfleet_agent_bundle: bundle,
      kdumpfleet_agent_node_source: 'path',
      kdumpfleet_agent_node_path: process.execPath,
      kdumpfleet_agent_collector_url: collector?.url ?? '',
      kdumpfleet_agent_upload_token: collector ? uploadToken : '',
      kdumpfleet_agent_configure: hasConfigure,
    };
    writeFileSync(
      inventory,
      JSON.stringify({ all: { children: { kdumpfleet_agents: { hosts: { [host]: vars } }, kdumpfleet_collectors: { hosts: {} } } } }),
    );

    first = await playbook('site.yml');
    timings['site.yml, first run'] = first.seconds;
  }, 600_000);

  afterAll(() => {
    collector?.process.kill('SIGTERM');
    if (collector) rmSync(collector.dataDir, { recursive: true, force: true });
    root?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`test/ansible timings (s): ${JSON.stringify(timings)}`);
  });

  const inRoot = (p: string) => join(root.path, p);

  it('the first run succeeds and lands the agent, its config and units', () => {
    expect(first.code, first.stdout.slice(-4000) + first.stderr.slice(-2000)).toBe(0);
    expect(recapOf(first.stdout, host)?.failed).toBe(0);
    expect(recapOf(first.stdout, host)?.changed).toBeGreaterThan(0);

    const cli = inRoot('opt/kdumpfleet/agent/node_modules/@kdumpfleet/agent/dist/cli.js');
    expect(existsSync(cli)).toBe(true);
    expect(readFileSync(inRoot('opt/kdumpfleet/agent/.bundle-sha256'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(inRoot('usr/local/bin/kdumpfleet')).mode & 0o777).toBe(0o755);
    expect(statSync(inRoot('opt/kdumpfleet/node/bin/node')).size).toBe(statSync(process.execPath).size);

    const configPath = inRoot('etc/kdumpfleet/agent.json');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    expect(config.node).toBe(host);
    expect(config.collectorUrl).toBe(collector?.url);
    // The agent's own (strict) schema accepts what the role wrote.
    expect(agentFileSchema.safeParse(config).error?.issues ?? []).toEqual([]);

    for (const unit of ['kdumpfleet-upload.service', 'kdumpfleet-check.service', 'kdumpfleet-check.timer']) {
      expect(existsSync(inRoot(`etc/systemd/system/${unit}`)), unit).toBe(true);
    }
    const upload = readFileSync(inRoot('etc/systemd/system/kdumpfleet-upload.service'), 'utf8');
    expect(upload).toMatch(/^Type=oneshot$/m);
    expect(upload).toMatch(/^ExecStart=\/usr\/local\/bin\/kdumpfleet upload --all$/m);
    expect(readFileSync(inRoot('etc/systemd/system/kdumpfleet-check.timer'), 'utf8')).toMatch(/^OnUnitActiveSec=1h$/m);
    // No systemd runs in a chroot: enabled by the [Install] symlinks, started nothing.
    const wants = inRoot('etc/systemd/system/multi-user.target.wants/kdumpfleet-upload.service');
    expect(lstatSync(wants).isSymbolicLink()).toBe(true);
    expect(readlinkSync(wants)).toBe('/etc/systemd/system/kdumpfleet-upload.service');
    expect(lstatSync(inRoot('etc/systemd/system/timers.target.wants/kdumpfleet-check.timer')).isSymbolicLink()).toBe(true);
    expect(first.stdout).toContain('No running systemd here');

    // kdump tooling was absent from the minbase root and is now installed.
    for (const tool of ['kdump-config', 'makedumpfile', 'kexec']) {
      const found = ['usr/sbin', 'usr/bin', 'sbin'].some((d) => existsSync(inRoot(`${d}/${tool}`)));
      expect(found, tool).toBe(true);
    }

    if (collector) expect(first.stdout).toContain(`Enrolled with ${collector.url} as node ${host}`);
    else expect(first.stdout).toContain('Enrollment skipped: kdumpfleet_agent_collector_url is empty');
  });

  it('the installed command runs the agent inside the root', () => {
    const r = spawnSync('chroot', [root.path, '/usr/local/bin/kdumpfleet', '--help'], {
      encoding: 'utf8',
      env: chrootEnv,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('usage: kdumpfleet');
  });

  it.skipIf(!hasConfigure)('kdumpfleet configure ran and no reboot was attempted', () => {
    expect(existsSync(inRoot('etc/default/grub.d/kdumpfleet.cfg')) || existsSync(inRoot('etc/sysctl.d/90-kdumpfleet.conf'))).toBe(true);
    expect(first.stdout).toContain('needs a reboot');
  });

  it('a second run changes nothing', async () => {
    const second = await playbook('site.yml');
    timings['site.yml, second run'] = second.seconds;
    expect(second.code, second.stdout.slice(-3000)).toBe(0);
    const recap = recapOf(second.stdout, host);
    expect(recap?.failed).toBe(0);
    expect(recap?.changed, `changed: ${changedTasks(second.stdout, host).join('; ')}`).toBe(0);
  });

  it('check mode changes nothing', async () => {
    const check = await playbook('site.yml', ['--check']);
    timings['site.yml --check'] = check.seconds;
    expect(check.code, check.stdout.slice(-3000)).toBe(0);
    const recap = recapOf(check.stdout, host);
    expect(recap?.failed).toBe(0);
    expect(recap?.changed, `changed: ${changedTasks(check.stdout, host).join('; ')}`).toBe(0);
  });

  it('a wrong upload token fails enrollment with a clear message', async () => {
    if (!collector) {
      console.warn('test/ansible: wrong-token enrollment not tested: apps/collector is not built');
      return;
    }
    // Only the enrollment tasks (and the always-run validation): the role's tags.
    const r = await playbook('site.yml', [
      '--tags',
      'kdumpfleet_enroll',
      '-e',
      'kdumpfleet_agent_upload_token=not-the-collectors-token-01',
    ]);
    timings['site.yml --tags kdumpfleet_enroll, wrong token'] = r.seconds;
    expect(r.stdout).not.toContain('Kdump tooling |');
    expect(r.code).not.toBe(0);
    expect(recapOf(r.stdout, host)?.failed).toBe(1);
    expect(r.stdout).toContain('rejected kdumpfleet_agent_upload_token (HTTP 401)');
  });

  describe.skipIf(!hasCheck)('readiness.yml', () => {
    interface HostResult {
      host: string;
      verdict: string;
      failing: string[];
    }
    // What the agent itself says about the root, to compare the table against.
    function agentFailing(): string[] {
      const r = spawnSync('chroot', [root.path, '/usr/local/bin/kdumpfleet', 'check', '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as { verdict: string; findings: { id: string; severity: string; status: string }[] };
      expect(report.verdict).toBe('not-ready');
      return report.findings.filter((f) => f.severity === 'error' && f.status !== 'warn').map((f) => f.id);
    }
    function tableLine(stdout: string): string | undefined {
      return stdout.split('\n').find((l) => new RegExp(`^\\s*"${host}\\s+`).test(l));
    }

    it('fails the not-ready host, after printing one fleet table', async () => {
      const report = join(work, 'readiness.json');
      const r = await playbook('readiness.yml', ['-e', `readiness_report_file=${report}`]);
      timings['readiness.yml'] = r.seconds;
      const table = /TASK \[Readiness \| fleet table\][\s\S]*?\n\n/.exec(r.stdout)?.[0];
      console.log(`readiness.yml fleet table:\n${table ?? '(not found)'}`);
      expect(r.code, r.stdout.slice(-3000)).not.toBe(0);
      expect(recapOf(r.stdout, host)?.failed).toBe(1);
      expect(r.stdout).toContain(`${host} is not ready for kdump; failing checks:`);

      // One table, a header and our host's line: not-ready with the agent's failing checks.
      expect(r.stdout.match(/"HOST\s+VERDICT\s+FAILING CHECKS"/g)?.length).toBe(1);
      const expected = agentFailing();
      expect(expected.length).toBeGreaterThan(0);
      const line = tableLine(r.stdout);
      expect(line, r.stdout).toBeDefined();
      expect(line).toMatch(/\snot-ready\s/);
      for (const id of expected) expect(line).toContain(id);
      expect(r.stdout).toMatch(/fleet: 1 hosts, 1 not-ready/);

      const rows = JSON.parse(readFileSync(report, 'utf8')) as HostResult[];
      expect(rows.map((x) => [x.host, x.verdict])).toEqual([[host, 'not-ready']]);
      expect(rows[0]?.failing).toEqual(expected);
    });

    it('a host whose check gives no report is an error, failed even when only reporting', async () => {
      const r = await playbook('readiness.yml', [
        '-e',
        'readiness_fail_not_ready=false',
        '-e',
        'readiness_kdumpfleet_bin=/bin/false',
      ]);
      timings['readiness.yml, broken check'] = r.seconds;
      expect(recapOf(r.stdout, host)?.failed).toBe(1);
      expect(tableLine(r.stdout)).toMatch(/\serror\s+exit 1: no report on stdout/);
      expect(r.stdout).toMatch(/fleet: 1 hosts, 1 error/);
      expect(r.stdout).toContain(`kdumpfleet check failed on ${host}`);
    });

    it('only reports with readiness_fail_not_ready=false', async () => {
      const r = await playbook('readiness.yml', ['-e', 'readiness_fail_not_ready=false']);
      timings['readiness.yml, report only'] = r.seconds;
      expect(r.code, r.stdout.slice(-3000)).toBe(0);
      expect(recapOf(r.stdout, host)).toMatchObject({ failed: 0, changed: 0 });
      expect(tableLine(r.stdout)).toMatch(/\snot-ready\s/);
    });
  });
});
