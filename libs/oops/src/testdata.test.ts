// Public kernel reports, one small file per report under libs/oops/testdata/<kind>/ (sources in
// each file's header and in testdata/README.md). Header lines give the expected fields; `-` = null.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OOPS_KINDS, parseKernelLog } from './index.js';

const testdata = fileURLToPath(new URL('../testdata/', import.meta.url));

interface Expected {
  KIND: string;
  TITLE: string;
  CULPRIT: string;
  MODULE: string;
  RIP: string;
  PANIC: string;
}

function load(path: string): { expected: Expected; text: string } {
  const raw = readFileSync(path, 'utf8');
  const split = raw.indexOf('\n\n');
  const expected: Record<string, string> = {};
  for (const line of raw.slice(0, split).split('\n')) {
    const m = /^([A-Z]+): (.*)$/.exec(line);
    if (m) expected[m[1]!] = m[2]!;
  }
  return { expected: expected as unknown as Expected, text: raw.slice(split + 2) };
}

const orNull = (v: string) => (v === '-' ? null : v);

const kindsWithData = readdirSync(testdata, { withFileTypes: true }).filter((d) => d.isDirectory());

describe('public report texts', () => {
  it('has at least one report for every kind except the ones the fixtures cover alone', () => {
    const have = new Set(kindsWithData.map((d) => d.name));
    expect(OOPS_KINDS.filter((k) => !have.has(k))).toEqual([]);
  });

  for (const dir of kindsWithData) {
    for (const file of readdirSync(join(testdata, dir.name)).filter((f) => f.endsWith('.txt'))) {
      it(`${dir.name}/${file}`, () => {
        const { expected, text } = load(join(testdata, dir.name, file));
        expect(expected.KIND).toBe(dir.name);
        const log = parseKernelLog(text);
        const p = log.primary!;
        expect(p).not.toBeNull();
        expect(p.kind).toBe(expected.KIND);
        expect(p.title).toBe(expected.TITLE);
        expect(p.culprit?.symbol ?? null).toBe(orNull(expected.CULPRIT));
        expect(p.culprit?.module ?? null).toBe(orNull(expected.MODULE));
        expect(p.rip?.symbol ?? null).toBe(orNull(expected.RIP));
        expect(log.panicMessage).toBe(orNull(expected.PANIC));
      });
    }
  }
});
