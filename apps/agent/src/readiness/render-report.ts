import type { ReadinessReport } from '@kdumpfleet/contracts';

const MARK: Record<string, string> = {
  pass: 'ok',
  fail: 'FAIL',
  warn: 'warn',
  unknown: '??',
  skip: '-',
};

/** The human form of a readiness report: verdict, crashkernel line, one row per check. */
export function renderReport(
  r: ReadinessReport,
  opts: { color: boolean; verbose: boolean },
): string {
  const paint = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const host = [r.host.hostname, r.kernelRelease, r.host.distro].filter(Boolean).join(' · ');
  lines.push(`${host || r.sysroot}${r.sysroot !== '/' ? `  (sysroot ${r.sysroot})` : ''}`);
  lines.push(
    r.ready
      ? paint('32;1', 'READY: a crash now would be captured')
      : paint('31;1', 'NOT READY: a crash now would not be captured reliably'),
  );
  const ck = r.crashkernel;
  lines.push(
    `crashkernel: reserved ${ck.current}, needed ${Math.ceil(ck.neededBytes / 2 ** 20)}M, recommended ${ck.recommended}` +
      (ck.sufficient === null ? '' : ck.sufficient ? ' (sufficient)' : ' (NOT sufficient)'),
  );
  lines.push('');
  const rows = r.checks.filter((c) => opts.verbose || c.status !== 'skip');
  const idw = Math.max(...rows.map((c) => c.id.length), 2);
  lines.push(`${'STATUS'.padEnd(6)} ${'SEVERITY'.padEnd(8)} ${'CHECK'.padEnd(idw)} MESSAGE`);
  for (const c of rows) {
    const mark = (MARK[c.status] ?? c.status).padEnd(6);
    const colored =
      c.status === 'pass'
        ? paint('32', mark)
        : c.status === 'fail' && c.severity === 'error'
          ? paint('31;1', mark)
          : c.status === 'skip'
            ? mark
            : paint('33', mark);
    lines.push(`${colored} ${c.severity.padEnd(8)} ${c.id.padEnd(idw)} ${c.message}`);
    if (c.status !== 'pass' && c.status !== 'skip' && c.remediation)
      lines.push(`${' '.repeat(16 + idw)} fix: ${c.remediation}`);
    if (opts.verbose) for (const e of c.evidence) lines.push(`${' '.repeat(16 + idw)} · ${e}`);
  }
  if (r.problems.length) {
    lines.push('', 'host files missing, unreadable or garbage:');
    for (const p of r.problems) lines.push(`  ${p.path}: ${p.state} (${p.detail})`);
  }
  return lines.join('\n');
}
