/**
 * Every fact in a host snapshot says where it came from and whether it could be read, so a rule
 * can tell "the file says 0" from "the file is not there" from "the file is garbage".
 */
export type FieldState = 'ok' | 'missing' | 'unreadable' | 'garbage';

/** How a fact was obtained. `exec` only happens on the live host (sysroot `/`). */
export type FieldMethod = 'file' | 'dir' | 'exec' | 'dpkg' | 'statfs' | 'df' | 'derived' | 'absent';

export interface Field<T> {
  value: T | null;
  state: FieldState;
  /** Host path (as seen inside the sysroot) or command the fact came from. */
  source: string;
  method: FieldMethod;
  /** Why it is not `ok`, one line. */
  detail?: string;
}

export function ok<T>(value: T, source: string, method: FieldMethod = 'file'): Field<T> {
  return { value, state: 'ok', source, method };
}

export function notOk<T>(
  state: Exclude<FieldState, 'ok'>,
  source: string,
  detail: string,
  method: FieldMethod = 'file',
): Field<T> {
  return { value: null, state, source, method, detail };
}

/** Keeps the provenance of `f` but replaces its value (or turns it into garbage). */
export function mapField<T, U>(f: Field<T>, parse: (v: T) => U | { garbage: string }): Field<U> {
  if (f.state !== 'ok' || f.value === null) return { ...f, value: null };
  const r = parse(f.value);
  if (r !== null && typeof r === 'object' && 'garbage' in (r as object)) {
    return notOk('garbage', f.source, (r as { garbage: string }).garbage, f.method);
  }
  return { ...f, value: r as U };
}

/** One-line description for evidence: `/proc/sys/kernel/panic = 0` or `… : missing (…)`. */
export function describe<T>(f: Field<T>, show: (v: T) => string = String): string {
  if (f.state === 'ok' && f.value !== null) return `${f.source} = ${show(f.value)}`;
  return `${f.source}: ${f.state}${f.detail ? ` (${f.detail})` : ''}`;
}
