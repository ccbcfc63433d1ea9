import { describe } from '../snapshot/field.js';
import type { ToolInfo } from '../snapshot/host-snapshot.js';
import { fail, pass, skip, warn, type Rule, type RuleOutcome } from './rule.js';

/** makedumpfile's LATEST_VERSION per release (makedumpfile.h): newer kernels are "not supported". */
export const MAKEDUMPFILE_LATEST_KERNEL: [string, string][] = [
  ['1.6.8', '5.9.4'],
  ['1.6.9', '5.12.1'],
  ['1.7.0', '5.15.0'],
  ['1.7.1', '5.17.1'],
  ['1.7.2', '6.0.1'],
  ['1.7.3', '6.3.0'],
  ['1.7.4', '6.6.0'],
  ['1.7.5', '6.8.4'],
  ['1.7.6', '6.11.4'],
  ['1.7.7', '6.14.2'],
  ['1.7.8', '6.17.4'],
  ['1.7.9', '7.0.0'],
];

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest kernel a makedumpfile version knows, or null when the version is not in the table. */
export function makedumpfileLatestKernel(version: string): string | null {
  let best: string | null = null;
  for (const [v, k] of MAKEDUMPFILE_LATEST_KERNEL) if (compareVersions(version, v) >= 0) best = k;
  return best;
}

function present(t: ToolInfo, loaded: boolean | null, pkg: string): RuleOutcome {
  const ev = [
    t.path ? `${t.path} present` : `${t.name} not found in /sbin, /usr/sbin, /usr/bin, /bin`,
  ];
  if (t.packageInstalled !== null)
    ev.push(`dpkg: ${pkg} ${t.packageInstalled ? 'installed' : 'not installed'}`);
  if (t.path || t.packageInstalled) return pass(`${t.name} installed`, ev);
  const msg = `${t.name} is not installed`;
  return loaded
    ? warn(`${msg}; the loaded capture kernel is unaffected until the next reload`, ev)
    : fail(msg, ev);
}

export const kexecPresent: Rule = {
  id: 'kexec-tools-present',
  title: 'kexec installed',
  severity: 'error',
  remediation: 'install kexec-tools',
  evaluate: ({ snap, facts }) =>
    facts.fadumpActive
      ? skip('fadump does not use kexec')
      : present(snap.tools.kexec, facts.captureLoaded, 'kexec-tools'),
};

export const makedumpfilePresent: Rule = {
  id: 'makedumpfile-present',
  title: 'makedumpfile installed',
  severity: 'error',
  remediation: 'install makedumpfile',
  evaluate: ({ snap, facts }) =>
    present(snap.tools.makedumpfile, facts.captureLoaded, 'makedumpfile'),
};

export const makedumpfileVersion: Rule = {
  id: 'makedumpfile-version',
  title: 'makedumpfile supports the running kernel',
  severity: 'warning',
  remediation:
    'install a newer makedumpfile (backports), or expect "The kernel version is not supported" and partial dumps',
  evaluate({ snap }) {
    const v = snap.tools.makedumpfile.version;
    const rel = snap.release.value;
    const ev = [describe(v), describe(snap.release)];
    if (v.state !== 'ok' || !v.value) return skip('makedumpfile version unknown', ev);
    if (!rel) return skip('kernel release unknown', ev);
    const latest = makedumpfileLatestKernel(v.value);
    if (!latest)
      return fail(`makedumpfile ${v.value} is older than any version kdumpfleet knows`, ev);
    const kernel = /^(\d+\.\d+(?:\.\d+)?)/.exec(rel)?.[1] ?? rel;
    if (compareVersions(kernel, latest) > 0) {
      return fail(
        `makedumpfile ${v.value} supports kernels up to ${latest}; this host runs ${rel}`,
        ev,
      );
    }
    return pass(`makedumpfile ${v.value} supports up to ${latest}`, ev);
  },
};
