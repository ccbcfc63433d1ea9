import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** kmod/kfault's control files under debugfs (see kmod/kfault/README.md). */
export const KFAULT_DIR = 'sys/kernel/debug/kfault';

export interface KfaultScenario {
  name: string;
  kind: 'crash' | 'hang';
  description: string;
}

/** The sysctl each crash scenario needs to become a panic (and so a dump), per kfault's README. */
export const PANIC_SYSCTL: Record<string, { path: string; value: string }> = {
  oops: { path: 'proc/sys/kernel/panic_on_oops', value: '1' },
  bug: { path: 'proc/sys/kernel/panic_on_oops', value: '1' },
  'list-corruption': { path: 'proc/sys/kernel/panic_on_oops', value: '1' },
  warn: { path: 'proc/sys/kernel/panic_on_warn', value: '1' },
  softlockup: { path: 'proc/sys/kernel/softlockup_panic', value: '1' },
  hardlockup: { path: 'proc/sys/kernel/hardlockup_panic', value: '1' },
  'hung-task': { path: 'proc/sys/kernel/hung_task_panic', value: '1' },
  'rcu-stall': { path: 'proc/sys/kernel/panic_on_rcu_stall', value: '1' },
};

export class KfaultError extends Error {
  readonly code: 'NOT_LOADED' | 'UNKNOWN_SCENARIO' | 'NOT_A_CRASH' | 'WRITE_FAILED';
  constructor(code: KfaultError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'KfaultError';
  }
}

export class Kfault {
  readonly dir: string;
  constructor(private readonly root: string) {
    this.dir = join(root, KFAULT_DIR);
  }

  async scenarios(): Promise<KfaultScenario[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'scenarios'), 'utf8');
    } catch {
      throw new KfaultError(
        'NOT_LOADED',
        `${join(this.dir, 'scenarios')} not readable: load kfault (modprobe kfault; debugfs mounted)`,
      );
    }
    return (
      text
        .split('\n')
        // kfault prints `oops             crash: NULL write …`; older drafts had no colon.
        .map((l) => /^(\S+)\s+(crash|hang):?\s*(.*)$/.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ name: m[1]!, kind: m[2] as 'crash' | 'hang', description: m[3] ?? '' }))
    );
  }

  async crashScenario(name: string): Promise<KfaultScenario> {
    const all = await this.scenarios();
    const s = all.find((x) => x.name === name);
    if (!s)
      throw new KfaultError(
        'UNKNOWN_SCENARIO',
        `kfault has no scenario '${name}' (crash scenarios: ${all
          .filter((x) => x.kind === 'crash')
          .map((x) => x.name)
          .join(', ')})`,
      );
    if (s.kind !== 'crash')
      throw new KfaultError(
        'NOT_A_CRASH',
        `'${name}' is a soft hang, not a crash: a drill needs a crash`,
      );
    return s;
  }

  /** Makes the scenario's failure a panic; returns the knob set (null when none is needed). */
  async enablePanic(name: string): Promise<string | null> {
    const knob = PANIC_SYSCTL[name];
    if (!knob) return null;
    await this.write(join(this.root, knob.path), knob.value);
    return `${knob.path.replace(/^proc\/sys\//, '').replace(/\//g, '.')}=${knob.value}`;
  }

  async arm(): Promise<void> {
    await this.write(join(this.dir, 'arm'), '1');
  }

  /** Returns only if the host survived the trigger. */
  async trigger(name: string, args: string[] = []): Promise<void> {
    await this.write(join(this.dir, 'trigger'), [name, ...args].join(' '));
  }

  private async write(path: string, value: string): Promise<void> {
    try {
      await writeFile(path, `${value}\n`);
    } catch (err) {
      throw new KfaultError(
        'WRITE_FAILED',
        `writing '${value}' to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
}
