// `kdumpfleet triage <file> [--json] [--dmesg]`: which kernel, what crashed and where, from any
// vmcore (kdump-compressed, ELF; plain, flattened, seekable zstd or plain .zst), in well under a
// second and without debuginfo. Plain zstd has no seek table, so it is streamed to a temp file
// first (removed afterwards, also on error and Ctrl-C).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { TriageResult } from '@kdumpfleet/contracts';
import type { TriageOutcome } from '@kdumpfleet/triage';
import { triageVmcoreDetailed } from '@kdumpfleet/triage';
import { FileSource, VmcoreContainerError } from '@kdumpfleet/vmcore';
import { DecompressStream } from 'zstd-napi';
import type { AgentCommand } from '../command.js';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../command.js';

const USAGE = `usage: kdumpfleet triage <file> [--json] [--dmesg]

Reads a vmcore (kdump-compressed or ELF; plain, makedumpfile -F flattened, seekable zstd, or a
plain .zst which is decompressed to a temp file first) and prints the kernel, crash time, oops
kind, title, culprit, top frames and the last log lines.

  --json    print the triage result as JSON (schema: @kdumpfleet/contracts triageResultSchema)
  --dmesg   print only the kernel log, as makedumpfile --dump-dmesg does
  -h, --help

Exit: 0 triaged; 2 unreadable input (one line on stderr).`;

/** Bad input we report as one line and exit 2. */
class TriageInputError extends Error {
  readonly code = 'TRIAGE_INPUT';
}

export const command: AgentCommand = {
  summary: 'triage a vmcore: kernel, crash kind, culprit, log (no debuginfo)',
  async run(argv) {
    let values: { json?: boolean; dmesg?: boolean; help?: boolean };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: argv,
        options: {
          json: { type: 'boolean' },
          dmesg: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
      }));
    } catch (e) {
      throw new UsageError(`triage: ${(e as Error).message}`);
    }
    if (values.help) {
      console.log(USAGE);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError(`triage: expected one dump file\n${USAGE}`);
    const path = positionals[0]!;
    try {
      const outcome = await triageFile(path);
      if (outcome.logError)
        throw new TriageInputError(`cannot read the kernel log: ${outcome.logError.message}`);
      if (values.dmesg) process.stdout.write(Buffer.from(outcome.kernelLog ?? '', 'latin1'));
      else if (values.json) process.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
      else process.stdout.write(human(outcome));
      return EXIT_OK;
    } catch (e) {
      console.error(`kdumpfleet: triage: ${path}: ${oneLine(e)}`);
      if (process.env.KDUMPFLEET_DEBUG && e instanceof Error && !(e instanceof TriageInputError))
        console.error(e.stack);
      return EXIT_ERROR;
    }
  },
};

async function triageFile(path: string): Promise<TriageOutcome> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new TriageInputError(e.code === 'ENOENT' ? 'no such file' : e.message);
  });
  if (!info.isFile()) throw new TriageInputError('not a regular file');
  const source = await FileSource.open(path);
  try {
    return await triageVmcoreDetailed(source);
  } catch (e) {
    if (!(e instanceof VmcoreContainerError && e.code === 'NEEDS_DECOMPRESSION')) throw e;
  } finally {
    await source.close().catch(() => undefined);
  }
  return withDecompressedCopy(path, async (plain, compressedBytes, unwrapMs) => {
    const inner = await FileSource.open(plain);
    try {
      return await triageVmcoreDetailed(inner, {
        containerHint: 'zstd',
        bytesReadBefore: compressedBytes,
        unwrapMs,
      });
    } finally {
      await inner.close().catch(() => undefined);
    }
  });
}

/** Streams a plain zstd file into a private temp dir, runs `use`, always removes the dir. */
async function withDecompressedCopy<T>(
  path: string,
  use: (plain: string, compressedBytes: number, unwrapMs: number) => Promise<T>,
): Promise<T> {
  // The handlers are in place before the dir exists: a Ctrl-C between mkdtemp and them would
  // leave the dir behind (the test met exactly that on a loaded machine).
  const made = mkdtemp(join(tmpdir(), 'kdumpfleet-triage-'));
  const cleanup = () =>
    made.then(
      (d) => rm(d, { recursive: true, force: true }),
      () => undefined,
    );
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dir = await made;
    const plain = join(dir, 'vmcore');
    const started = performance.now();
    let compressedBytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        compressedBytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      // zstd -19 --long writes windows up to 2^27; allow up to 2^31 for other producers.
      await pipeline(
        createReadStream(path),
        count,
        new DecompressStream({ windowLogMax: 31 }),
        createWriteStream(plain),
      );
    } catch (e) {
      throw new TriageInputError(`not a readable zstd stream: ${oneLine(e)}`);
    }
    return await use(plain, compressedBytes, performance.now() - started);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

function oneLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.trim() || 'unknown error';
}

function human(outcome: TriageOutcome): string {
  const r: TriageResult = outcome.result;
  const o = r.oops;
  const lines: string[] = [];
  const row = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(10)} ${v}`);
  row('kernel', `${r.kernel.release} ${r.kernel.version} ${r.kernel.machine}`.trim());
  row('build-id', r.kernel.buildId ?? '-');
  row(
    'dump',
    `${r.format}, ${r.compression}, container ${r.container}${r.incomplete ? ', INCOMPLETE' : ''}`,
  );
  row('time', r.crashTime ?? '-');
  row('panic', r.panic.message ?? '-');
  if (o === null) {
    row('kind', '- (no crash report in the kernel log)');
  } else {
    row('kind', o.kind);
    row('title', o.title);
    row(
      'culprit',
      o.culprit ? `${o.culprit.symbol}${o.culprit.module ? ` [${o.culprit.module}]` : ''}` : '-',
    );
    row('rip', o.ripSymbol ?? '-');
    row(
      'task',
      `${o.comm ?? '?'} pid ${o.pid ?? '?'} cpu ${o.cpu ?? '?'}${o.taint ? `, tainted ${o.taint.raw || '-'}${o.taint.flags.length ? ` (${o.taint.flags.join(', ')})` : ''}` : ''}`,
    );
    row('signature', r.signature ?? '-');
    const top = o.frames.filter((f) => f.reliable).slice(0, 8);
    if (top.length > 0) {
      lines.push('frames:');
      for (const f of top)
        lines.push(
          `  ${f.symbol}+${f.offset}/${f.size}${f.module ? ` [${f.module}]` : ''}${f.section ? `  <${f.section}>` : ''}`,
        );
    }
  }
  const unwrap =
    r.timings.unwrapMs === undefined ? '' : ` (+ ${r.timings.unwrapMs} ms decompressing)`;
  row('triage', `${r.timings.ms} ms${unwrap}, ${r.timings.bytesRead} bytes read`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  const log = (outcome.kernelLog ?? '').replace(/\n$/, '').split('\n').slice(-20);
  lines.push('', `last ${log.length} log lines:`, ...log.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}
