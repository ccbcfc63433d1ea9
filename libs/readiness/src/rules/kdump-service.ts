import { describe } from '../snapshot/field.js';
import { fail, pass, skip, warn, type Rule } from './rule.js';

export const kdumpConfigPresent: Rule = {
  id: 'kdump-config-present',
  title: 'kdump tooling configured',
  severity: 'warning',
  remediation:
    'apt-get install kdump-tools (Debian/Ubuntu), dnf install kexec-tools (RHEL), zypper install kdump (SUSE), or use kdumpfleet arm',
  evaluate({ snap }) {
    const ev = snap.configs.map((c) => `${c.flavor}: ${c.files.map((f) => f.path).join(', ')}`);
    if (!snap.kdump)
      return fail(
        'no kdump configuration found (/etc/default/kdump-tools, /etc/kdump.conf, /etc/sysconfig/kdump, /etc/kdumpfleet/agent.json)',
        ev,
      );
    return pass(`${snap.kdump.flavor} configuration`, ev);
  },
};

export const kdumpConfigSyntax: Rule = {
  id: 'kdump-config-syntax',
  title: 'kdump configuration parses',
  severity: 'error',
  remediation: 'fix the listed lines',
  evaluate({ snap }) {
    const ev: string[] = [];
    let bad = 0;
    for (const c of snap.configs) {
      for (const f of c.files) {
        if (f.state !== 'ok') {
          bad++;
          ev.push(`${f.path}: ${f.state}${f.detail ? ` (${f.detail})` : ''}`);
        }
        for (const e of f.errors) {
          bad++;
          ev.push(`${f.path}:${e.line}: ${e.reason}: ${e.text.trim()}`);
        }
      }
    }
    if (snap.configs.length === 0) return skip('no kdump configuration');
    if (bad === 0)
      return pass(
        'no errors',
        snap.configs.flatMap((c) => c.files.map((f) => `${f.path}: ok`)),
      );
    return fail(`${bad} problem(s) in the kdump configuration: ${ev[0]}`, ev);
  },
};

export const kdumpConfigUnknownKeys: Rule = {
  id: 'kdump-config-unknown-keys',
  title: 'no unknown kdump configuration keys',
  severity: 'warning',
  remediation:
    'check the spelling against the tool manual (kdump-tools(5), kdump.conf(5), kdump(5)); unknown keys are ignored',
  evaluate({ snap }) {
    const ev = snap.configs.flatMap((c) =>
      c.files.flatMap((f) => f.unknownKeys.map((k) => `${f.path}:${k.line}: ${k.key}`)),
    );
    if (snap.configs.length === 0) return skip('no kdump configuration');
    if (ev.length === 0) return pass('all keys known', []);
    return fail(
      `unknown key(s) ignored by the tool: ${ev.map((e) => e.split(': ')[1]).join(', ')}`,
      ev,
    );
  },
};

export const kdumpEnabled: Rule = {
  id: 'kdump-enabled',
  title: 'kdump enabled at boot',
  severity: 'error',
  remediation:
    'systemctl enable kdump-tools (Debian) / kdump (RHEL, SUSE); Debian: USE_KDUMP=1 in /etc/default/kdump-tools',
  evaluate({ snap, facts }) {
    const cfg = snap.kdump;
    const units = snap.enabledUnits.value ?? [];
    const ev = [
      describe(
        snap.enabledUnits,
        (u) => u.filter((x) => /kdump/.test(x)).join(', ') || 'no kdump unit',
      ),
    ];
    if (!cfg) return skip('no kdump configuration (see kdump-config-present)', ev);
    if (cfg.enabled === false) {
      const msg = `${cfg.files[0]?.path}: USE_KDUMP is not set or 0; kdump-tools will not load a capture kernel`;
      return facts.captureLoaded
        ? warn(`${msg} at the next boot`, ev)
        : fail(msg, ev, 'set USE_KDUMP=1 in /etc/default/kdump-tools');
    }
    const enabled = cfg.serviceUnits.filter((u) => units.includes(u));
    if (enabled.length > 0) return pass(`${enabled.join(', ')} enabled`, ev);
    if (snap.enabledUnits.state !== 'ok')
      return warn(`cannot list enabled units (${snap.enabledUnits.detail})`, ev);
    return warn(
      `${cfg.serviceUnits[0]} is not enabled: after a reboot no capture kernel is loaded`,
      ev,
      `systemctl enable ${cfg.serviceUnits[0]}`,
    );
  },
};
