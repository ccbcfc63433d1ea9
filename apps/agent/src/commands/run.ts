import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_ERROR, EXIT_OK, type AgentCommand } from '../command.js';
import { loadAgentConfig, requireCollector, type AgentConfig } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';
import { buildReport, sendReport } from '../report/send-report.js';
import { applyRetention } from '../upload/retention.js';
import { UploadLedger } from '../upload/upload-ledger.js';
import { uploadPending } from '../upload/upload-pending.js';
import { UploadBusyError } from '../upload/upload-lock.js';

const HELP = `usage: kdumpfleet run [--once]

Daemon mode (kdumpfleet.service): uploads pending dumps at start, sends the readiness report,
then every reportInterval (agent.json, default 1h) reports again and retries dumps that did not
go up. Applies the retention setting. Logs one line per event on stdout (journald).

  --once   one round (upload pending dumps, report), then exit (for a timer or boot unit)

exit: 0; with --once 2 when an upload or the report failed`;

function log(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

async function round(config: AgentConfig, url: string, token: string): Promise<boolean> {
  let ok = true;
  try {
    const out = await uploadPending(config, {
      collectorUrl: url,
      token,
      deleteAfterUpload: config.deleteAfterUpload,
      progress: false,
    });
    for (const u of out.uploaded)
      log('dump-uploaded', {
        file: u.file,
        dumpId: u.dumpId,
        bytes: u.uploadedBytes,
        resumedFrom: u.resumedFrom,
      });
    for (const f of out.failed)
      log('dump-upload-failed', { file: f.file, code: f.code, error: f.error });
    for (const n of out.notUploadable) log('dump-not-uploadable', n);
    if (out.failed.length) ok = false;
  } catch (err) {
    if (err instanceof UploadBusyError) log('upload-busy', { pid: err.pid });
    else {
      log('upload-error', { error: (err as Error).message });
      ok = false;
    }
  }
  if (config.retentionMs !== null) {
    for (const p of await applyRetention(new UploadLedger(config.stateDir), config.retentionMs))
      log('dump-deleted-by-retention', { file: p });
  }
  try {
    const report = await buildReport(process.env.KDUMPFLEET_SYSROOT ?? '/');
    const sent = await sendReport(url, token, config.node, report);
    log('report-sent', { id: sent.id, verdict: report.verdict, findings: report.findings.length });
  } catch (err) {
    log('report-failed', { error: (err as Error).message });
    ok = false;
  }
  return ok;
}

export const command: AgentCommand = {
  summary: 'daemon: upload pending dumps, report readiness every interval',
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          once: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    const config = loadAgentConfig();
    const { url, token } = requireCollector(config);
    if (values.once) return (await round(config, url, token)) ? EXIT_OK : EXIT_ERROR;
    const stop = new AbortController();
    for (const sig of ['SIGTERM', 'SIGINT'] as const)
      process.once(sig, () => {
        log('stopping', { signal: sig });
        stop.abort();
      });
    log('started', { node: config.node, collector: url, intervalMs: config.reportIntervalMs });
    while (!stop.signal.aborted) {
      await round(config, url, token);
      try {
        await sleep(config.reportIntervalMs, undefined, { signal: stop.signal });
      } catch {
        break;
      }
    }
    return EXIT_OK;
  },
};
