import { warn, pass, type Rule } from './rule.js';

/** Names every host file that was expected and unreadable or garbage, so nothing fails silently. */
export const hostFiles: Rule = {
  id: 'host-files-readable',
  title: 'host files readable',
  severity: 'warning',
  remediation:
    'check the named files; garbage in /proc or /sys points at a broken copy of the host tree or a kernel bug',
  evaluate({ snap }) {
    const bad = snap.problems.filter((p) => p.state !== 'missing');
    const ev = snap.problems.map((p) => `${p.path}: ${p.state} (${p.detail})`);
    if (bad.length === 0) return pass('every expected file that exists parsed', ev);
    return warn(
      `${bad.length} host file(s) unreadable or garbage: ${bad.map((p) => `${p.path} (${p.state}: ${p.detail})`).join('; ')}`,
      ev,
    );
  },
};
