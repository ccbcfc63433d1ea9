import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { watchProbeNameSchema, type WatchProbeName } from '@kdumpfleet/contracts';
import { parseDuration } from './duration.js';

/** Where the agent's configuration lives unless KDUMPFLEET_CONFIG names another file. */
export const AGENT_CONFIG_PATH = '/etc/kdumpfleet/agent.json';

/** A bad configuration file or variable: one line naming the file or variable and the field. */
export class AgentConfigError extends Error {
  readonly code = 'AGENT_CONFIG';
  constructor(
    readonly source: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'AgentConfigError';
  }
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration (e.g. 90s, 30m, 1h, 2d)` });
    return z.NEVER;
  }
  return ms;
});

/**
 * agent.json `watch`: `kdumpfleet watch` settings, and whether `kdumpfleet run` watches too.
 * The crash action is off unless `action` is `crash` on this node.
 */
export const watchFileSchema = z
  .object({
    /** `kdumpfleet run` runs the watcher alongside uploads and reports. */
    enabled: z.boolean().optional(),
    interval: duration.optional(),
    deadline: duration.optional(),
    hungAfter: duration.optional(),
    /** Services that send a banner (`22`, `127.0.0.1:22`, `[::1]:2222`). */
    tcp: z.array(z.string()).optional(),
    /** Services that only have to accept. */
    tcpConnect: z.array(z.string()).optional(),
    probes: z.array(watchProbeNameSchema).min(1).optional(),
    /** `report` (default): only report. `crash`: sysrq-crash when undead for `crashAfter`. */
    action: z.enum(['report', 'crash']).optional(),
    crashAfter: duration.optional(),
  })
  .strict();

/**
 * The keys of agent.json. `dumpDir`, `dumpDirs`, `makedumpfileArgs`, `kexecArgs`,
 * `captureKernel` and `captureInitrd` are the same keys libs/readiness reads, so `check` judges
 * exactly what `arm` and `capture` will do.
 */
export const agentFileSchema = z
  .object({
    collectorUrl: z.url({ protocol: /^https?$/ }).optional(),
    uploadToken: z.string().min(16).optional(),
    /** Read the token from this file instead (mode 0600, so agent.json may stay world-readable). */
    uploadTokenFile: z.string().min(1).optional(),
    node: z.string().regex(NODE_NAME, 'letters, digits, . _ - (at most 253)').optional(),
    dumpDir: z.string().startsWith('/').optional(),
    /** Extra directories scanned by `dumps`/`upload` (kdump-tools or kdumpctl targets). */
    dumpDirs: z.array(z.string().startsWith('/')).optional(),
    stateDir: z.string().startsWith('/').optional(),
    makedumpfileArgs: z.string().optional(),
    /** Leave at least this much free in the dump directory (bytes, or 512M / 2G). */
    minFreeSpace: z.union([z.string(), z.number()]).optional(),
    kexecArgs: z.string().optional(),
    captureKernel: z.string().optional(),
    captureInitrd: z.string().optional(),
    /** Extra arguments appended to the capture kernel's command line. */
    captureCmdlineAppend: z.string().optional(),
    /** Allow the legacy kexec_load syscall when kexec_file_load fails (never under lockdown). */
    allowKexecLoad: z.boolean().optional(),
    reportInterval: duration.optional(),
    deleteAfterUpload: z.boolean().optional(),
    /** Delete dumps the collector confirmed after this long (unset: keep for ever). */
    retention: duration.optional(),
    compressionLevel: z.number().int().min(1).max(19).optional(),
    /** Threads compressing frames (default 1: libs/szstd on the main thread; more: workers). */
    compressionThreads: z.number().int().min(1).max(64).optional(),
    frameSize: z
      .number()
      .int()
      .min(65536)
      .max(1 << 30)
      .optional(),
    chunkSize: z.number().int().min(65536).optional(),
    /** kfault drills: seconds the collector waits for the drill's dump. */
    drillWindow: duration.optional(),
    watch: watchFileSchema.optional(),
  })
  .strict();
export type AgentFile = z.infer<typeof agentFileSchema>;

export interface AgentConfig {
  source: string;
  collectorUrl: string | null;
  uploadToken: string | null;
  node: string;
  dumpDir: string;
  dumpDirs: string[];
  stateDir: string;
  makedumpfileArgs: string;
  minFreeSpaceBytes: number;
  kexecArgs: string;
  captureKernel: string | null;
  captureInitrd: string | null;
  captureCmdlineAppend: string;
  allowKexecLoad: boolean;
  reportIntervalMs: number;
  deleteAfterUpload: boolean;
  retentionMs: number | null;
  compressionLevel: number;
  compressionThreads: number;
  frameSize: number;
  chunkSize: number;
  drillWindowMs: number;
  watch: WatchConfig;
}

/** agent.json `watch` with its defaults; `watch` flags override each key. */
export interface WatchConfig {
  enabled: boolean;
  intervalMs: number;
  deadlineMs: number;
  hungAfterMs: number;
  tcp: string[] | null;
  tcpConnect: string[];
  probes: WatchProbeName[] | null;
  action: 'report' | 'crash';
  crashAfterMs: number;
}

/** Environment variables that override agent.json keys (the table in the README). */
export const ENV_OVERRIDES: Record<string, keyof AgentFile> = {
  KDUMPFLEET_COLLECTOR_URL: 'collectorUrl',
  KDUMPFLEET_UPLOAD_TOKEN: 'uploadToken',
  KDUMPFLEET_UPLOAD_TOKEN_FILE: 'uploadTokenFile',
  KDUMPFLEET_NODE: 'node',
  KDUMPFLEET_DUMP_DIR: 'dumpDir',
  KDUMPFLEET_STATE_DIR: 'stateDir',
  KDUMPFLEET_REPORT_INTERVAL: 'reportInterval',
  KDUMPFLEET_RETENTION: 'retention',
};

export function parseByteSize(v: string | number): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  const m = /^(\d+)\s*([KMGT]?)(i?B)?$/i.exec(v.trim());
  if (!m) return null;
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[
    (m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'
  ];
  return Number(m[1]) * unit;
}

function readFileDoc(path: string, required: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new AgentConfigError(path, '', `cannot read (${code ?? (err as Error).message})`);
  }
  try {
    const doc: unknown = JSON.parse(text);
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
      throw new Error('not a JSON object');
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new AgentConfigError(path, '', `invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * agent.json (optional unless KDUMPFLEET_CONFIG names it) with environment overrides, validated
 * once with zod. The first problem becomes one AgentConfigError line.
 */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const path = env.KDUMPFLEET_CONFIG ?? AGENT_CONFIG_PATH;
  const doc = readFileDoc(path, env.KDUMPFLEET_CONFIG !== undefined);
  const fromEnv: string[] = [];
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v !== undefined && v !== '') {
      doc[key] = v;
      fromEnv.push(key);
    }
  }
  const parsed = agentFileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const envName = Object.entries(ENV_OVERRIDES).find(([, k]) => k === field)?.[0];
    const source = envName && fromEnv.includes(field) ? envName : path;
    throw new AgentConfigError(source, field, issue.message);
  }
  const f = parsed.data;
  let uploadToken = f.uploadToken ?? null;
  if (!uploadToken && f.uploadTokenFile) {
    try {
      uploadToken = readFileSync(f.uploadTokenFile, 'utf8').trim();
    } catch (err) {
      throw new AgentConfigError(
        path,
        'uploadTokenFile',
        `cannot read ${f.uploadTokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (uploadToken.length < 16)
      throw new AgentConfigError(f.uploadTokenFile, 'uploadToken', 'shorter than 16 characters');
  }
  const minFree = parseByteSize(f.minFreeSpace ?? '64M');
  if (minFree === null)
    throw new AgentConfigError(path, 'minFreeSpace', `'${f.minFreeSpace}' is not a size`);
  const node = f.node ?? hostname().split('.')[0] ?? 'localhost';
  if (!NODE_NAME.test(node))
    throw new AgentConfigError(
      path,
      'node',
      `host name '${node}' is not a valid node name; set node`,
    );
  const dumpDir = f.dumpDir ?? f.dumpDirs?.[0] ?? '/var/crash';
  return {
    source: path,
    collectorUrl: f.collectorUrl ? f.collectorUrl.replace(/\/+$/, '') : null,
    uploadToken,
    node,
    dumpDir,
    dumpDirs: [...new Set([dumpDir, ...(f.dumpDirs ?? [])])],
    stateDir: f.stateDir ?? '/var/lib/kdumpfleet',
    makedumpfileArgs: f.makedumpfileArgs ?? '-l -d 31',
    minFreeSpaceBytes: minFree,
    kexecArgs: f.kexecArgs ?? '',
    captureKernel: f.captureKernel ?? null,
    captureInitrd: f.captureInitrd ?? null,
    captureCmdlineAppend: f.captureCmdlineAppend ?? '',
    allowKexecLoad: f.allowKexecLoad ?? false,
    reportIntervalMs: f.reportInterval ?? 3_600_000,
    deleteAfterUpload: f.deleteAfterUpload ?? false,
    retentionMs: f.retention ?? null,
    compressionLevel: f.compressionLevel ?? 3,
    // One by default: worker threads cost ~30 MB each (a V8 isolate, a zstd context, frames in
    // flight) and pay off only on idle multi-core hosts (measured: test/bench/agent.mjs).
    compressionThreads: f.compressionThreads ?? 1,
    frameSize: f.frameSize ?? 4 * 1024 * 1024,
    chunkSize: f.chunkSize ?? 16 * 1024 * 1024,
    drillWindowMs: f.drillWindow ?? 30 * 60_000,
    watch: {
      enabled: f.watch?.enabled ?? false,
      intervalMs: f.watch?.interval ?? 30_000,
      deadlineMs: f.watch?.deadline ?? 10_000,
      hungAfterMs: f.watch?.hungAfter ?? 30_000,
      tcp: f.watch?.tcp ?? null,
      tcpConnect: f.watch?.tcpConnect ?? [],
      probes: f.watch?.probes ?? null,
      action: f.watch?.action ?? 'report',
      // Long enough that a slow disk or a stalled NFS mount that recovers is not a dump.
      crashAfterMs: f.watch?.crashAfter ?? 300_000,
    },
  };
}

/** The collector URL and token, or one line saying which key is missing. */
export function requireCollector(c: AgentConfig): { url: string; token: string } {
  if (!c.collectorUrl)
    throw new AgentConfigError(c.source, 'collectorUrl', 'not set (or KDUMPFLEET_COLLECTOR_URL)');
  if (!c.uploadToken)
    throw new AgentConfigError(
      c.source,
      'uploadToken',
      'not set (uploadToken, uploadTokenFile or KDUMPFLEET_UPLOAD_TOKEN)',
    );
  return { url: c.collectorUrl, token: c.uploadToken };
}
