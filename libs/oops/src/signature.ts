import { createHash } from 'node:crypto';
import { baseSymbol } from './frame.js';
import type { Frame } from './frame.js';
import type { OopsKind } from './kinds.js';
import type { Culprit } from './report.js';
import { isMachinery } from './machinery.js';

/** Frames from the culprit down that go into the signature. */
export const SIGNATURE_FRAMES = 3;

export interface SignatureInput {
  readonly kind: OopsKind;
  readonly culprit: Culprit | null;
  /** Culprit candidates in order (the culprit among them). */
  readonly frames: readonly Frame[];
  /** Index of the culprit in `frames`, -1 if none. */
  readonly culpritIndex: number;
  readonly panicMessage: string | null;
}

/**
 * Normalizes what changes between hosts, boots and kernels of one bug: addresses, offsets and
 * sizes are not used at all; clone suffixes go (`.cold`, `.isra.0`, `.constprop.1`, `.part.0`);
 * numbers and hex in a panic message become `N`.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/0x[0-9a-f]+/gi, 'N')
    .replace(/\b[0-9a-f]{8,}\b/gi, 'N')
    .replace(/\d+/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Stable bucket key: sha256 over kind, culprit (symbol + module) and the next reliable,
 * non-machinery frames below it; for panic kinds also the normalized message. 20 hex chars.
 */
export function computeSignature(input: SignatureInput): string {
  const parts: string[] = [input.kind];
  if (input.culprit) parts.push(`${input.culprit.symbol}[${input.culprit.module ?? ''}]`);
  else parts.push('?');
  if (input.culpritIndex >= 0) {
    let taken = 0;
    for (
      let i = input.culpritIndex + 1;
      i < input.frames.length && taken < SIGNATURE_FRAMES - 1;
      i++
    ) {
      const f = input.frames[i]!;
      const base = baseSymbol(f.symbol);
      if (isMachinery(base) || f.offset === '0x0') continue;
      parts.push(`${base}[${f.module ?? ''}]`);
      taken++;
    }
  }
  if (input.kind === 'panic' && input.panicMessage !== null)
    parts.push(normalizeMessage(input.panicMessage));
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 20);
}
