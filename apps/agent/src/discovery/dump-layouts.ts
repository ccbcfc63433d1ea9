/**
 * The directory layouts dumps are found in, by who wrote them. Each knows its complete dump
 * file names, its in-progress marker, and its dmesg file.
 *
 * - kdump-tools (Debian/Ubuntu): `/var/crash/<YYYYMMDDHHMM>/dump.<stamp>`, `dmesg.<stamp>`;
 *   makedumpfile writes `dump-incomplete` and the script renames it when done.
 * - kdumpctl (RHEL/Fedora): `/var/crash/<ip>-<YYYY-MM-DD-HH:MM:SS>/vmcore` (`vmcore.flat` for
 *   ssh targets), `vmcore-dmesg.txt`; written as `vmcore-incomplete` then renamed.
 * - SUSE kdumptool: `/var/crash/<YYYY-MM-DD-HH:MM>/vmcore`, `README.txt`, `dmesg.txt`.
 * - kdumpfleet `capture`: Debian's layout plus `kdumpfleet-capture.json`.
 */
export type DumpLayout = 'kdumpfleet' | 'kdump-tools' | 'kdumpctl' | 'suse';

export interface LayoutFiles {
  layout: DumpLayout;
  dump: string | null;
  incompleteMarker: string | null;
  dmesg: string | null;
}

const DEBIAN_STAMP = /^\d{12}(-\d+)?$/;
const RHEL_DIR = /^.+-\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2}$/;
const SUSE_DIR = /^\d{4}-\d{2}-\d{2}-\d{2}:\d{2}$/;

/** Reads a stamp directory's file names; null when it is no dump directory of a known layout. */
export function classifyDumpDir(dirName: string, files: readonly string[]): LayoutFiles | null {
  const has = (n: string) => files.includes(n);
  const debianDump = files.find((f) => f.startsWith('dump.') && f !== 'dump-incomplete');
  const debianDmesg = files.find((f) => f.startsWith('dmesg.')) ?? null;
  if (has('kdumpfleet-capture.json') || has('dump-incomplete') || debianDump) {
    return {
      layout: has('kdumpfleet-capture.json') ? 'kdumpfleet' : 'kdump-tools',
      dump: debianDump ?? null,
      incompleteMarker: has('dump-incomplete') ? 'dump-incomplete' : null,
      dmesg: debianDmesg,
    };
  }
  const rhelDump = ['vmcore', 'vmcore.flat'].find(has) ?? null;
  if (has('vmcore-incomplete') || has('vmcore-dmesg.txt') || (rhelDump && RHEL_DIR.test(dirName)))
    return {
      layout: 'kdumpctl',
      dump: rhelDump,
      incompleteMarker: has('vmcore-incomplete') ? 'vmcore-incomplete' : null,
      dmesg: has('vmcore-dmesg.txt') ? 'vmcore-dmesg.txt' : null,
    };
  if (rhelDump && (SUSE_DIR.test(dirName) || has('README.txt')))
    return {
      layout: 'suse',
      dump: rhelDump,
      incompleteMarker: has('vmcore.incomplete') ? 'vmcore.incomplete' : null,
      dmesg: has('dmesg.txt') ? 'dmesg.txt' : null,
    };
  if (rhelDump) return { layout: 'kdumpctl', dump: rhelDump, incompleteMarker: null, dmesg: null };
  if (DEBIAN_STAMP.test(dirName) && files.length === 0)
    return { layout: 'kdump-tools', dump: null, incompleteMarker: null, dmesg: null };
  return null;
}

/**
 * When the crash happened, from the directory name (UTC is assumed: the stamp has no zone).
 * A stamp that is no real time (minute 60, month 13) gives null: the caller uses the mtime.
 */
export function capturedAtFromDirName(name: string): string | null {
  let iso: string | null = null;
  let m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(name);
  if (m) iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z`;
  else {
    m = /(\d{4})-(\d{2})-(\d{2})-(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
    if (m) iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
  }
  if (!iso) return null;
  const t = new Date(iso);
  return !Number.isNaN(t.getTime()) && t.toISOString().replace('.000', '') === iso ? iso : null;
}
