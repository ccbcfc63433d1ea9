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
import { runWatchLoop } from '../watch/watch-loop.js';
import { watchSettings } from '../watch/watch-settings.js';

const HELP = `usage: kdumpfleet run [--once]

Daemon mode (kdumpfleet.service): uploads pending dumps at start, sends the readiness report,
then every reportInterval (agent.json, default 1h) reports again and retries dumps that did not
go up. Applies the retention setting. With agent.json "watch": {"enabled": true, ...} it also
runs the watcher (as 'kdumpfleet watch', including its opt-in crash action) alongside, with
heartbeats every watch interval; a slow upload never delays a heartbeat, a hung probe never
delays an upload. Logs one line per event on stdout (journald).

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

/**
 * The watcher of `run`: a verdict line when the verdict, the stuck probes or the action's
 * state change (not every round: journald would fill with "alive").
 */
async function watchInRun(
  config: AgentConfig,
  settings: ReturnType<typeof watchSettings>,
  collector: { url: string; token: string },
  signal: AbortSignal,
): Promise<void> {
  let said = '';
  try {
    await runWatchLoop({
      node: config.node,
      settings,
      sysroot: process.env.KDUMPFLEET_SYSROOT ?? '/',
      collector,
      once: false,
      signal,
      print: (v) => {
        const key = `${v.verdict} ${v.stuck.join(',')} ${v.action?.state ?? ''}`;
        if (key === said) return;
        said = key;
        log('watch-verdict', {
          verdict: v.verdict,
          stuck: v.stuck,
          stuckAt: v.probes.filter((p) => p.status === 'stuck').map((p) => p.stuckAt),
          action: v.action?.state,
          actionDetail: v.action?.detail,
        });
      },
      log,
    });
  } catch (err) {
    // The watcher must not take uploads and reports down with it.
    log('watch-error', { error: (err as Error).message });
  }
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
    // Bad watch settings stop the daemon at start with one line, like any other bad key.
    const watch = config.watch.enabled ? watchSettings(config.watch) : null;
    log('started', {
      node: config.node,
      collector: url,
      intervalMs: config.reportIntervalMs,
      watch: watch
        ? { intervalMs: watch.intervalMs, probes: watch.probes, action: watch.action }
        : false,
    });
    const watching = watch
      ? watchInRun(config, watch, { url, token }, stop.signal)
      : Promise.resolve();
    while (!stop.signal.aborted) {
      await round(config, url, token);
      try {
        await sleep(config.reportIntervalMs, undefined, { signal: stop.signal });
      } catch {
        break;
      }
    }
    await watching;
    return EXIT_OK;
  },
};
