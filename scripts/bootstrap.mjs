#!/usr/bin/env node
// The README's two commands (`npm start`, `npm test`) go through here so that a fresh clone
// installs what it needs by itself: npm packages with `npm ci`, Debian packages with apt-get when
// root (else a message naming them), then a build. No dependencies of its own: it runs before
// node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`kdumpfleet: '${cmd} ${args.join(' ')}' failed with exit ${r.status}`);
    process.exit(r.status ?? 2);
  }
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('kdumpfleet: installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Debian packages named in scripts/apt/<scope>/*.txt, one per line, '#' comments. */
function aptPackages(scope) {
  const dir = join(root, 'scripts', 'apt', scope);
  if (!existsSync(dir)) return [];
  const names = new Set();
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const name = line.replace(/#.*/, '').trim();
      if (name) names.add(name);
    }
  }
  return [...names];
}

function missingDebianPackages(names) {
  if (names.length === 0) return [];
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], {
    encoding: 'utf8',
  });
  const installed = new Set(
    (r.stdout ?? '')
      .split('\n')
      .filter((l) => /\sii\s*$/.test(l))
      .map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

function ensureDebianPackages(scope) {
  const missing = missingDebianPackages(aptPackages(scope));
  if (missing.length === 0) return;
  if (!isRoot) {
    console.error(
      `kdumpfleet: missing Debian packages (tests that need them will skip): ${missing.join(' ')}\n` +
        `  install with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    return;
  }
  console.error(`kdumpfleet: installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

function build() {
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], {
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  // npm links a workspace's bin only if its target exists at install time, and on a fresh
  // clone dist/ is built after `npm ci`: link `kdumpfleet` now so `npx kdumpfleet` works.
  if (!existsSync(join(root, 'node_modules', '.bin', 'kdumpfleet'))) {
    run('npm', ['rebuild', '@kdumpfleet/agent', '--ignore-scripts']);
  }
}

const command = process.argv[2];
const rest = process.argv.slice(3);
switch (command) {
  case 'start': {
    ensureNodeModules();
    ensureDebianPackages('start');
    build();
    const env = { ...process.env, DATA_DIR: process.env.DATA_DIR ?? join(root, 'var') };
    const r = spawnSync(process.execPath, [join(root, 'apps/collector/dist/main.js'), ...rest], {
      stdio: 'inherit',
      env,
    });
    process.exit(r.status ?? 1);
    break;
  }
  case 'test': {
    const started = Date.now();
    ensureNodeModules();
    ensureDebianPackages('test');
    build();
    run('npx', ['eslint', '.']);
    run('npx', ['prettier', '--check', '.']);
    run('npx', ['tsc', '-p', 'tsconfig.spec.json']);
    run('npx', ['tsc', '-p', 'apps/portal/tsconfig.json']);
    run('npx', ['vitest', 'run', ...rest]);
    console.error(`kdumpfleet: npm test took ${Math.round((Date.now() - started) / 1000)} s`);
    break;
  }
  case 'build': {
    ensureNodeModules();
    build();
    break;
  }
  default:
    console.error('usage: bootstrap.mjs start|test|build');
    process.exit(2);
}
