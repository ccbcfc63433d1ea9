/** Reading the guest's serial console: KDLAB protocol lines, checks, and the kernels in it. */

export interface GuestCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** `KDLAB: …` lines, in order, without the prefix. */
export function kdlabLines(console: string): string[] {
  const out: string[] = [];
  for (const m of console.matchAll(/KDLAB: ([^\r\n]*)/g)) out.push(m[1] ?? '');
  return out;
}

export function guestChecks(console: string): GuestCheck[] {
  const checks: GuestCheck[] = [];
  for (const line of kdlabLines(console)) {
    const m = /^check (\S+) (ok|fail)\s*(.*)$/.exec(line);
    if (m) checks.push({ name: m[1] ?? '', ok: m[2] === 'ok', detail: m[3] ?? '' });
  }
  return checks;
}

/**
 * The first kernel's part of the log: the serial file holds both kernels, split at the second
 * `Linux version` banner (lab-notes pitfall 14).
 */
export function splitKernels(console: string): { first: string; capture: string | null } {
  const banner = /\[\s*0\.000000\] Linux version /g;
  banner.exec(console);
  const second = banner.exec(console);
  if (!second) return { first: console, capture: null };
  return { first: console.slice(0, second.index), capture: console.slice(second.index) };
}

export function sawPanic(text: string): boolean {
  return /Kernel panic - not syncing|BUG: kernel NULL pointer|Oops: |invalid opcode: 0000/.test(
    text,
  );
}
