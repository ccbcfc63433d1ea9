import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';
import { repoRoot } from './paths.js';

export type TriageOutcome =
  { ran: true; kind: string | null; culprit: string | null } | { ran: false; reason: string };

export const agentCli = join(repoRoot, 'apps', 'agent', 'dist', 'cli.js');

/**
 * Native triage of a dump through the agent's CLI (`kdumpfleet triage FILE --json`), when that
 * CLI has been built and knows the command; otherwise says why it did not run.
 */
export async function triageDump(dump: string): Promise<TriageOutcome> {
  if (!existsSync(agentCli)) return { ran: false, reason: `${agentCli} not built (npm run build)` };
  const r = await exec(process.execPath, [agentCli, 'triage', dump, '--json']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
    if (/unknown command|not a command|usage/i.test(why))
      return { ran: false, reason: `the agent CLI has no triage command yet (${why})` };
    throw new Error(`triage of ${dump} printed no JSON (exit ${r.status}): ${why}`);
  }
  const oops = (parsed as { oops?: { kind?: string; culprit?: { symbol?: string } | null } | null })
    .oops;
  return { ran: true, kind: oops?.kind ?? null, culprit: oops?.culprit?.symbol ?? null };
}
