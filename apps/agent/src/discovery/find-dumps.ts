import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadLedger } from '../upload/upload-ledger.js';
import { checkDumpFile, type DumpFormat } from './dump-file-check.js';
import { capturedAtFromDirName, classifyDumpDir, type DumpLayout } from './dump-layouts.js';

export type DumpState = 'complete' | 'incomplete' | 'invalid' | 'uploaded';

export interface FoundDump {
  /** The stamp directory. */
  dir: string;
  layout: DumpLayout;
  /** The dump file, when there is one. */
  file: string | null;
  dmesg: string | null;
  state: DumpState;
  /** Why it is incomplete or invalid. */
  reason: string | null;
  format: DumpFormat | null;
  size: number | null;
  capturedAt: string | null;
  /** Dump record id at the collector, once uploaded. */
  dumpId: string | null;
}

export interface FindDumpsResult {
  dumps: FoundDump[];
  /** Entries that were skipped, with why (symlinks, unreadable directories). */
  skipped: { path: string; reason: string }[];
}

/**
 * Lists `<dumpDir>/<stamp>/` directories of every known layout. Never follows symlinks (a
 * symlink loop or a link out of /var/crash is skipped with its reason), never throws for one bad
 * entry, and marks uploaded what the ledger says the collector confirmed.
 */
export async function findDumps(
  dumpDirs: readonly string[],
  ledger: UploadLedger | null,
): Promise<FindDumpsResult> {
  const dumps: FoundDump[] = [];
  const skipped: FindDumpsResult['skipped'] = [];
  for (const root of dumpDirs) {
    let names: string[];
    try {
      names = await readdir(root);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') skipped.push({ path: root, reason: `cannot list (${code})` });
      continue;
    }
    for (const name of names.sort()) {
      const dir = join(root, name);
      let st;
      try {
        st = await lstat(dir);
      } catch (err) {
        skipped.push({ path: dir, reason: `cannot stat (${(err as NodeJS.ErrnoException).code})` });
        continue;
      }
      if (st.isSymbolicLink()) {
        skipped.push({ path: dir, reason: 'symlink (not followed)' });
        continue;
      }
      if (!st.isDirectory()) continue;
      let files: string[];
      try {
        files = await readdir(dir);
      } catch (err) {
        skipped.push({ path: dir, reason: `cannot list (${(err as NodeJS.ErrnoException).code})` });
        continue;
      }
      const found = classifyDumpDir(name, files);
      if (!found) continue;
      dumps.push(await describe(dir, name, found, ledger, skipped));
    }
  }
  return { dumps, skipped };
}

async function describe(
  dir: string,
  name: string,
  found: NonNullable<ReturnType<typeof classifyDumpDir>>,
  ledger: UploadLedger | null,
  skipped: FindDumpsResult['skipped'],
): Promise<FoundDump> {
  const base: FoundDump = {
    dir,
    layout: found.layout,
    file: found.dump ? join(dir, found.dump) : null,
    dmesg: found.dmesg ? join(dir, found.dmesg) : null,
    state: 'incomplete',
    reason: null,
    format: null,
    size: null,
    capturedAt: capturedAtFromDirName(name),
    dumpId: null,
  };
  if (found.incompleteMarker) {
    return {
      ...base,
      reason: `${found.incompleteMarker} present: the capture did not finish`,
    };
  }
  if (!base.file) return { ...base, reason: 'no dump file in the directory' };
  let st;
  try {
    st = await lstat(base.file);
  } catch (err) {
    return {
      ...base,
      state: 'invalid',
      reason: `cannot stat (${(err as NodeJS.ErrnoException).code})`,
    };
  }
  if (!st.isFile()) {
    skipped.push({ path: base.file, reason: 'not a regular file (symlinks are not followed)' });
    return { ...base, state: 'invalid', reason: 'dump is not a regular file' };
  }
  base.capturedAt ??= st.mtime.toISOString();
  const entry = ledger?.get(base.file) ?? null;
  if (entry?.uploaded && entry.size === st.size)
    return { ...base, state: 'uploaded', size: st.size, dumpId: entry.uploaded.dumpId };
  let verdict;
  try {
    verdict = await checkDumpFile(base.file);
  } catch (err) {
    return {
      ...base,
      state: 'invalid',
      reason: `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    };
  }
  if (!verdict.ok)
    return {
      ...base,
      state: 'invalid',
      reason: verdict.reason,
      format: verdict.format,
      size: verdict.size,
    };
  return { ...base, state: 'complete', format: verdict.format, size: verdict.size };
}
