import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * What the agent remembers about one dump, in `<stateDir>/dumps/<key>.json`: the spool file made
 * for it, the tus upload URL (so a killed agent or a reboot resumes instead of restarting), and,
 * once the collector confirmed the sha256, the dump record id. Written with write-then-rename
 * and fsync, so a crash never leaves half a JSON file.
 */
export interface DumpLedgerEntry {
  /** Absolute path of the dump file. */
  path: string;
  /** Size and mtime of the dump file when the spool was made: a different file is not resumed. */
  size: number;
  mtimeMs: number;
  spool?: { path: string; sha256: string; size: number; encoding: 'zstd' | 'none' };
  uploadUrl?: string;
  collectorUrl?: string;
  /** Set only when the collector answered with a dump record for the declared sha256. */
  uploaded?: { dumpId: string; sha256: string; at: string; collectorUrl: string };
  deletedAt?: string;
}

export function ledgerKey(dumpPath: string): string {
  return createHash('sha256').update(dumpPath).digest('hex').slice(0, 32);
}

export class UploadLedger {
  readonly dir: string;
  constructor(readonly stateDir: string) {
    this.dir = join(stateDir, 'dumps');
  }

  private file(dumpPath: string): string {
    return join(this.dir, `${ledgerKey(dumpPath)}.json`);
  }

  get(dumpPath: string): DumpLedgerEntry | null {
    try {
      const e = JSON.parse(readFileSync(this.file(dumpPath), 'utf8')) as DumpLedgerEntry;
      return e.path === dumpPath ? e : null;
    } catch {
      return null;
    }
  }

  put(entry: DumpLedgerEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(entry.path);
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(entry, null, 2), { mode: 0o600 });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  }

  remove(dumpPath: string): void {
    rmSync(this.file(dumpPath), { force: true });
  }

  all(): DumpLedgerEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: DumpLedgerEntry[] = [];
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, n), 'utf8')) as DumpLedgerEntry);
      } catch {
        // a foreign or damaged file: ignored, never fatal
      }
    }
    return out;
  }
}
