/**
 * Taint flags as the kernel prints them in `Tainted: G           OE      6.1.0-…`: one column per
 * flag of kernel/panic.c's `taint_flags[]`, the flag's letter when set, a space (or `G` for the
 * first, "not proprietary") when not. Names are the kernel's own (6.12 prints them itself:
 * `Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE`).
 */
export interface Taint {
  /** The letters as printed, runs of spaces collapsed: `G OE`; `` for "Not tainted". */
  readonly raw: string;
  /** Decoded set flags, in the kernel's table order, e.g. `["OOT_MODULE","UNSIGNED_MODULE"]`. */
  readonly flags: string[];
}

/** letter → name, in kernel/panic.c order (TAINT_PROPRIETARY_MODULE … TAINT_FWCTL). */
export const TAINT_FLAGS: ReadonlyArray<readonly [letter: string, name: string]> = [
  ['P', 'PROPRIETARY_MODULE'],
  ['F', 'FORCED_MODULE'],
  ['S', 'CPU_OUT_OF_SPEC'],
  ['R', 'FORCED_RMMOD'],
  ['M', 'MACHINE_CHECK'],
  ['B', 'BAD_PAGE'],
  ['U', 'USER'],
  ['D', 'DIE'],
  ['A', 'OVERRIDDEN_ACPI_TABLE'],
  ['W', 'WARN'],
  ['C', 'CRAP'],
  ['I', 'FIRMWARE_WORKAROUND'],
  ['O', 'OOT_MODULE'],
  ['E', 'UNSIGNED_MODULE'],
  ['L', 'SOFTLOCKUP'],
  ['K', 'LIVEPATCH'],
  ['X', 'AUX'],
  ['T', 'RANDSTRUCT'],
  ['N', 'TEST'],
  ['J', 'FWCTL'],
];

const BY_LETTER = new Map(TAINT_FLAGS.map(([l, n]) => [l, n]));

// `Not tainted 6.1.0-…` or `Tainted: <letters and spaces> 6.1.0-…` (the release starts with a
// digit, which keeps 6.12's `Tainted: [O]=OOT_MODULE` line from matching).
const TAINT_RE = /(?:^|\s)(?:Not tainted|Tainted: ([A-Z ]{1,40}?))\s+\d/;

export function parseTaint(text: string): Taint | null {
  const m = TAINT_RE.exec(text);
  if (!m) return null;
  const letters = (m[1] ?? '').trim().replace(/ +/g, ' ');
  return { raw: letters, flags: decodeTaint(letters) };
}

export function decodeTaint(letters: string): string[] {
  const set = new Set(letters.replace(/[ G]/g, ''));
  return TAINT_FLAGS.filter(([l]) => set.has(l)).map(([, n]) => n);
}

export function taintFlagName(letter: string): string | undefined {
  return BY_LETTER.get(letter);
}
