// The probe child: `node probe-child.js <probe> <options JSON>`. Runs one probe and prints one
// JSON object per line (steps, then the result). It may block for ever in the kernel: that is
// the point; the watcher (probe-runner.ts) never waits for it past the deadline.
import type { ProbeFunction, ProbeLine, ProbeOptions } from './probe-protocol.js';
import { blockIo } from './probes/block-io.js';
import { hungTasks } from './probes/hung-tasks.js';
import { processTable } from './probes/process-table.js';
import { rtnl } from './probes/rtnl.js';
import { scheduling } from './probes/scheduling.js';
import { tcpAccept } from './probes/tcp-accept.js';
import { writeSync } from 'node:fs';

const PROBES: Record<string, ProbeFunction> = {
  'tcp-accept': tcpAccept,
  'process-table': processTable,
  'block-io': blockIo,
  rtnl,
  scheduling,
  'hung-tasks': hungTasks,
};

// Synchronous writes: a step must reach the watcher before the child blocks on the next read.
const emit = (line: ProbeLine) => writeSync(1, `${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  // No zod here (the probe names are PROBES' keys): this process starts six times a round, and
  // loading zod tripled its start-up in the crash lab's TCG guest (0.8 → 2.5 s per child).
  const name = process.argv[2] ?? '';
  const probe = Object.hasOwn(PROBES, name) ? PROBES[name] : undefined;
  if (!probe) {
    emit({ result: { status: 'error', evidence: [`unknown probe '${name}'`] } });
    return;
  }
  const opts = JSON.parse(process.argv[3] ?? '{}') as ProbeOptions;
  try {
    const answer = await probe(opts, (step) => emit({ step }));
    emit({ result: answer });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    emit({ result: { status: 'error', evidence: [`${e.code ?? 'error'}: ${e.message}`] } });
  }
}

void main();
