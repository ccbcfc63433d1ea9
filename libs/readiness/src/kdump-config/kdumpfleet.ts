import type { ConfigFileReport, KdumpConfig } from './kdump-config.js';
import { parseMakedumpfileArgs } from './dump-level.js';

export const KDUMPFLEET_CONFIG = '/etc/kdumpfleet/agent.json';

/**
 * kdumpfleet's own /etc/kdumpfleet/agent.json, read only for what readiness needs (dump
 * directory, dump level, kexec arguments); the agent's other keys belong to the agent and are
 * not judged here. Garbage JSON is a parse error, not a crash.
 */
export function readKdumpfleetConfig(text: string): KdumpConfig {
  const file: ConfigFileReport = {
    path: KDUMPFLEET_CONFIG,
    state: 'ok',
    errors: [],
    unknownKeys: [],
  };
  let doc: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      file.errors.push({ line: 1, text: text.slice(0, 60), reason: 'not a JSON object' });
    } else doc = parsed as Record<string, unknown>;
  } catch (err) {
    file.errors.push({
      line: 1,
      text: text.slice(0, 60),
      reason: `invalid JSON: ${(err as Error).message}`,
    });
  }
  const str = (k: string): string | undefined =>
    typeof doc[k] === 'string' ? (doc[k] as string) : undefined;
  const dirs = Array.isArray(doc.dumpDirs)
    ? doc.dumpDirs.filter((x): x is string => typeof x === 'string')
    : [];
  const mk = parseMakedumpfileArgs(str('makedumpfileArgs') ?? '-l -d 31');
  const level = typeof doc.dumpLevel === 'number' ? doc.dumpLevel : (mk.dumpLevel ?? 31);
  return {
    flavor: 'kdumpfleet',
    files: [file],
    enabled: null,
    dumpDir: str('dumpDir') ?? dirs[0] ?? '/var/crash',
    remoteTarget: null,
    targetDevice: null,
    dumpLevel: level,
    compressed: mk.compressed,
    kexecArgs: str('kexecArgs') ?? '',
    defaultFileLoad: false,
    autoFileLoadUnderSecureBoot: true,
    autoFileLoadUnderLockdown: true,
    captureKernel: str('captureKernel') ?? null,
    captureInitrd: str('captureInitrd') ?? null,
    serviceUnits: ['kdumpfleet.service', 'kdumpfleet-arm.service'],
  };
}
