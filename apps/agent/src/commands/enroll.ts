import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_ERROR, EXIT_OK, UsageError, type AgentCommand } from '../command.js';
import { AGENT_CONFIG_PATH, agentFileSchema } from '../config/agent-config.js';
import { asUsageError } from '../readiness/cli-args.js';

const HELP = `usage: kdumpfleet enroll --collector URL --token ENROLLMENT_TOKEN [options]

Trades an enrollment token (created by an admin in the portal) for this host's own upload
token, stores it in a 0600 file and points agent.json at it (collectorUrl, node,
uploadTokenFile). Later 'upload' and 'report' use it. An admin can revoke it in the portal.

  --collector URL     the collector, e.g. https://kdump.example:8080
  --token TOKEN       the enrollment token (kdfe_…)
  --node NAME         this host's node name (default: agent.json's node, else the host name)
  --token-file PATH   where to store the upload token (default /etc/kdumpfleet/upload-token)
  --config PATH       agent.json to update (default $KDUMPFLEET_CONFIG or ${AGENT_CONFIG_PATH})
  --json              print the result as JSON

exit: 0 enrolled, 2 error (refused, unreachable, unwritable files)`;

const NODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;

export class EnrollError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EnrollError';
  }
}

/** Writes `data` to `path` through a temp file and a rename, so a crash leaves old or new. */
function writeAtomic(path: string, data: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function readConfigObject(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EnrollError('CONFIG', `${path}: invalid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new EnrollError('CONFIG', `${path}: not a JSON object`);
  return doc as Record<string, unknown>;
}

async function exchange(collector: string, token: string, node: string) {
  let res: Response;
  try {
    res = await fetch(`${collector}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, node }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new EnrollError('UNREACHABLE', `collector unreachable: ${(err as Error).message}`);
  }
  const text = await res.text();
  let body: { message?: unknown; uploadToken?: unknown; tokenId?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const why = typeof body.message === 'string' ? body.message : text.slice(0, 200);
    throw new EnrollError(
      res.status === 403 ? 'REFUSED' : 'HTTP',
      `collector refused the enrollment (${res.status}): ${why}`,
    );
  }
  if (typeof body.uploadToken !== 'string' || typeof body.tokenId !== 'string')
    throw new EnrollError('HTTP', 'collector answered without an upload token');
  return { uploadToken: body.uploadToken, tokenId: body.tokenId };
}

export const command: AgentCommand = {
  summary: "exchange an enrollment token for this node's upload token",
  async run(argv) {
    const { values } = asUsageError(() =>
      parseArgs({
        args: argv,
        options: {
          collector: { type: 'string' },
          token: { type: 'string' },
          node: { type: 'string' },
          'token-file': { type: 'string', default: '/etc/kdumpfleet/upload-token' },
          config: { type: 'string' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return EXIT_OK;
    }
    if (!values.collector) throw new UsageError('--collector URL is required');
    if (!values.token) throw new UsageError('--token ENROLLMENT_TOKEN is required');
    let collector: string;
    try {
      const u = new URL(values.collector);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      collector = u.toString().replace(/\/+$/, '');
    } catch {
      throw new UsageError(`--collector: not an http(s) URL: ${values.collector}`);
    }
    const configPath = values.config ?? process.env.KDUMPFLEET_CONFIG ?? AGENT_CONFIG_PATH;
    const tokenFile = values['token-file'];
    try {
      const current = readConfigObject(configPath);
      const node =
        values.node ??
        (typeof current.node === 'string' ? current.node : (hostname().split('.')[0] ?? ''));
      if (!NODE.test(node)) throw new UsageError(`--node: '${node}' is not a valid node name`);

      const { uploadToken, tokenId } = await exchange(collector, values.token, node);
      writeAtomic(tokenFile, `${uploadToken}\n`, 0o600);
      const next: Record<string, unknown> = {
        ...current,
        collectorUrl: collector,
        node,
        uploadTokenFile: tokenFile,
      };
      delete next.uploadToken; // the per-node token replaces a shared one
      const checked = agentFileSchema.safeParse(next);
      if (!checked.success)
        throw new EnrollError('CONFIG', `${configPath}: ${checked.error.issues[0]!.message}`);
      const mode = existsSync(configPath) ? statSync(configPath).mode & 0o777 : 0o644;
      writeAtomic(configPath, `${JSON.stringify(next, null, 2)}\n`, mode);

      if (values.json) console.log(JSON.stringify({ node, tokenId, tokenFile, configPath }));
      else console.log(`enrolled ${node} (token ${tokenId}); ${configPath} now uses ${tokenFile}`);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const e = err as NodeJS.ErrnoException;
      console.error(
        `kdumpfleet enroll: ${e instanceof EnrollError ? e.message : `${e.code ?? 'error'}: ${e.message}`}`,
      );
      return EXIT_ERROR;
    }
  },
};
