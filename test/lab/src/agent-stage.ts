import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LabError } from './exec.js';
import { LAB_KERNELS, type LabKernel } from './kernels.js';
import { kernelRoot, repoRoot } from './paths.js';

/** Where the agent and its Node runtime live on the guest disk (mounted at /mnt in the guest). */
export const GUEST_AGENT_ROOT = '/opt/kdf';

/** Files a running agent never reads: left off the guest disk to keep it small. */
const SKIP = /\.(d\.ts|d\.ts\.map|js\.map|md|markdown|ts)$/;

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every regular file under dir (symlinks such as node_modules/.bin are not followed). */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel ? join(rel, name) : name;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) out.push(...filesUnder(dir, r));
    else if (st.isFile() && !SKIP.test(name)) out.push(r);
  }
  return out;
}

/** The agent's production dependency closure, resolved from the repo's node_modules. */
function dependencyClosure(): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const dir = join(repoRoot, 'node_modules', name);
    if (!existsSync(dir))
      throw new LabError('agent', `dependency ${name} not installed (npm install)`);
    const real = realpathSync(dir);
    seen.set(name, real);
    const pkg = readPackage(real);
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d);
    for (const d of Object.keys(pkg.optionalDependencies ?? {}))
      if (existsSync(join(repoRoot, 'node_modules', d))) visit(d);
  };
  for (const d of Object.keys(readPackage(join(repoRoot, 'apps', 'agent')).dependencies ?? {}))
    visit(d);
  return seen;
}

/** The shared libraries a dynamically linked binary needs (ldd), except the loader itself. */
function sharedLibraries(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) return []; // statically linked
  return r.stdout
    .split('\n')
    .map((l) => /=>\s+(\/\S+)/.exec(l)?.[1])
    .filter((p): p is string => p !== undefined);
}

/**
 * The guest-disk files (`runLab({ diskFiles })`: guest path → host path) that run the BUILT
 * agent in the busybox guest: the host's own node binary with its shared libraries (the
 * initramfs has the same glibc loader: its kexec and makedumpfile come from this host), the
 * agent's dist, the dist of the @kdumpfleet libs it imports and its npm dependencies (zstd-napi's
 * native binding included), and the kernel's config as /boot/config-<release> (readiness reads it).
 */
export function agentDiskFiles(kernel: LabKernel): Record<string, string> {
  const agentDir = join(repoRoot, 'apps', 'agent');
  const cli = join(agentDir, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new LabError('agent', `${cli} missing: run npm run build first`);
  const files: Record<string, string> = {};
  const root = GUEST_AGENT_ROOT;
  files[`${root}/bin/node`] = process.execPath;
  for (const lib of sharedLibraries(process.execPath))
    files[`${root}/lib/${basename(lib)}`] = realpathSync(lib);
  files[`${root}/apps/agent/package.json`] = join(agentDir, 'package.json');
  for (const f of filesUnder(join(agentDir, 'dist')))
    files[`${root}/apps/agent/dist/${f}`] = join(agentDir, 'dist', f);
  for (const [name, dir] of dependencyClosure()) {
    const workspace = name.startsWith('@kdumpfleet/');
    const rels = workspace
      ? ['package.json', ...filesUnder(join(dir, 'dist')).map((f) => join('dist', f))]
      : filesUnder(dir);
    for (const f of rels) files[`${root}/node_modules/${name}/${f}`] = join(dir, f);
  }
  const release = LAB_KERNELS[kernel].release;
  files[`/boot/config-${release}`] = join(kernelRoot(kernel), 'boot', `config-${release}`);
  return files;
}
