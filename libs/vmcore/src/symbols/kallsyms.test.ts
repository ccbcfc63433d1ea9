import { describe, expect, it } from 'vitest';
import { FakeKernelMemory } from '../testing/fake-kernel-memory.js';
import { Vmcoreinfo } from '../vmcoreinfo.js';
import { Kallsyms } from './kallsyms.js';

/**
 * Builds kallsyms tables the way scripts/kallsyms.c lays them out, in fake kernel memory:
 * names (length-prefixed token indexes, type letter first), markers (u32 per 256 symbols,
 * 8-aligned, right before the token table — or before kallsyms_seqs_of_names), token table and
 * index, offsets in one of the three address encodings.
 */
type Encoding = 'absolute-percpu' | 'relative' | 'place-relative';
const TOKENS: string[] = Array.from({ length: 256 }, (_, i) =>
  i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '',
);
TOKENS[0x80] = 'crash';
TOKENS[0x81] = 'lab_';
TOKENS[0x82] = 'do_';
TOKENS[0x83] = 'T' + 'sym_'; // a token may carry the type letter, as real tables do

function encodeName(s: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const multi = [0x83, 0x80, 0x81, 0x82].find((t) => s.startsWith(TOKENS[t]!, i));
    if (multi !== undefined) {
      out.push(multi);
      i += TOKENS[multi]!.length;
    } else {
      out.push(s.charCodeAt(i));
      i++;
    }
  }
  return out;
}

const align8 = (n: number): number => (n + 7) & ~7;

function build(opts: {
  encoding: Encoding;
  layout: 'markers-before-tokens' | 'seqs-between' | 'no-markers';
  count: number;
  bigName?: boolean;
}) {
  const { count } = opts;
  const text = 0xffffffff81000000n;
  // symbols: a percpu one at 0 (absolute), _stext, then functions 0x40 apart; some aliases
  const syms: { name: string; type: string; addr: bigint }[] = [
    { name: 'fixed_percpu_data', type: 'A', addr: 0n },
  ];
  syms.push({ name: '_stext', type: 'T', addr: text });
  syms.push({ name: 'startup_alias', type: 'T', addr: text });
  for (let i = 3; i < count; i++) {
    const name =
      opts.bigName && i === 5
        ? 'x'.repeat(200)
        : i === 300
          ? 'crashlab_do_null_write'
          : i === 400
            ? 'sym_tail'
            : `func_${i}`;
    syms.push({ name, type: i % 7 === 0 ? 'D' : 't', addr: text + BigInt(i) * 0x40n });
  }
  const names: number[] = [];
  const markers: number[] = [];
  syms.forEach((s, i) => {
    if (i % 256 === 0) markers.push(names.length);
    const enc = encodeName(s.type + s.name);
    if (enc.length > 127) names.push((enc.length & 0x7f) | 0x80, enc.length >> 7);
    else names.push(enc.length);
    names.push(...enc);
  });
  const tokenTable: number[] = [];
  const tokenIndex: number[] = [];
  for (const t of TOKENS) {
    tokenIndex.push(tokenTable.length);
    tokenTable.push(...Array.from(t, (c) => c.charCodeAt(0)), 0);
  }
  const base = 0xffffffff82000000n;
  const relativeBase = text;
  const namesAt = base;
  const markersAt = namesAt + BigInt(align8(names.length));
  const seqsAt = markersAt + BigInt(align8(markers.length * 4));
  const tokenTableAt = opts.layout === 'seqs-between' ? seqsAt + BigInt(align8(3 * count)) : seqsAt;
  const tokenIndexAt = tokenTableAt + BigInt(align8(tokenTable.length));
  const offsetsAt = tokenIndexAt + 512n;
  const numSymsAt = offsetsAt + BigInt(align8(count * 4));
  const relBaseAt = numSymsAt + 8n;
  const offsets = new Uint8Array(count * 4);
  const ov = new DataView(offsets.buffer);
  syms.forEach((s, i) => {
    let v: bigint;
    if (opts.encoding === 'absolute-percpu')
      v = s.type === 'A' ? s.addr : relativeBase - 1n - s.addr;
    else if (opts.encoding === 'relative') v = s.addr - relativeBase;
    else v = s.addr - (offsetsAt + BigInt(i * 4));
    ov.setInt32(i * 4, Number(BigInt.asIntN(32, v)), true);
  });
  const markerBytes = new Uint8Array(markers.length * 4);
  markers.forEach((m, i) =>
    new DataView(markerBytes.buffer).setUint32(
      i * 4,
      opts.layout === 'no-markers' ? 0xdead : m,
      true,
    ),
  );
  const tokenIndexBytes = new Uint8Array(512);
  tokenIndex.forEach((t, i) => new DataView(tokenIndexBytes.buffer).setUint16(i * 2, t, true));
  // one contiguous blob, as the tables sit next to each other in the kernel's rodata
  const blob = new Uint8Array(Number(relBaseAt + 8n - base));
  const put = (at: bigint, bytes: Uint8Array | number[]): void =>
    blob.set(bytes, Number(at - base));
  put(namesAt, names);
  put(markersAt, markerBytes);
  put(tokenTableAt, tokenTable);
  put(tokenIndexAt, tokenIndexBytes);
  put(offsetsAt, offsets);
  const mem = new FakeKernelMemory()
    .u32(numSymsAt, count)
    .u64(relBaseAt, opts.encoding === 'place-relative' ? 0n : relativeBase)
    .add(base, blob);
  const info = new Vmcoreinfo(
    [
      `SYMBOL(kallsyms_names)=${namesAt.toString(16)}`,
      `SYMBOL(kallsyms_num_syms)=${numSymsAt.toString(16)}`,
      `SYMBOL(kallsyms_token_table)=${tokenTableAt.toString(16)}`,
      `SYMBOL(kallsyms_token_index)=${tokenIndexAt.toString(16)}`,
      `SYMBOL(kallsyms_offsets)=${offsetsAt.toString(16)}`,
      `SYMBOL(kallsyms_relative_base)=${relBaseAt.toString(16)}`,
      `SYMBOL(_stext)=${text.toString(16)}`,
      '',
    ].join('\n'),
  );
  return { mem, info, text };
}

describe('kallsyms', () => {
  for (const encoding of ['absolute-percpu', 'relative', 'place-relative'] as const) {
    for (const layout of ['markers-before-tokens', 'seqs-between', 'no-markers'] as const) {
      it(`decodes ${encoding} offsets with ${layout}`, async () => {
        const { mem, info, text } = build({ encoding, layout, count: 700, bigName: true });
        const ks = await Kallsyms.load(mem, info);
        expect(ks.addressEncoding).toBe(encoding);
        expect(ks.count).toBe(700);
        // aliases: the first in kallsyms order wins, size runs to the next address
        expect(await ks.lookup(text + 5n)).toEqual({
          name: '_stext',
          type: 'T',
          address: text,
          offset: 5n,
          size: 0xc0n,
        });
        expect(await ks.lookup(text + 300n * 0x40n + 0x10n)).toMatchObject({
          name: 'crashlab_do_null_write',
          type: 't',
          offset: 0x10n,
          size: 0x40n,
        });
        expect(await ks.address('crashlab_do_null_write')).toBe(text + 300n * 0x40n);
        expect(await ks.address('sym_tail')).toBe(text + 400n * 0x40n);
        expect((await ks.symbolAt(5)).name).toBe('x'.repeat(200)); // 2-byte length
        expect(await ks.address('no_such_symbol')).toBeUndefined();
        expect(await ks.lookup(text - 0x100000n)).toMatchObject({ name: 'fixed_percpu_data' });
        expect(await ks.lookup(text + 10_000n * 0x40n)).toBeUndefined(); // past the last symbol
      });
    }
  }

  it('refuses an implausible symbol count', async () => {
    const { mem, info } = build({
      encoding: 'relative',
      layout: 'markers-before-tokens',
      count: 300,
    });
    // the fake memory serves the first region holding an address: put a bad count in front
    const bad = new FakeKernelMemory().u32(info.symbol('kallsyms_num_syms')!, 0xffffffff);
    const merged = {
      readVirtual: (a: bigint, l: number) =>
        bad.readVirtual(a, l).catch(() => mem.readVirtual(a, l)),
    };
    await expect(Kallsyms.load(merged, info)).rejects.toMatchObject({ code: 'BAD_KALLSYMS' });
  });
});
