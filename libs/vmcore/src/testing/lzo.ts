import { spawnSync } from 'node:child_process';

/**
 * Real LZO1X-1 output from liblzo2 through Debian's python3-lzo (lzo.compress(data, 1) prefixes
 * 5 bytes: 0xf0 + big-endian length). Returns null when python3-lzo is not installed.
 */
export function lzoCompressPages(pages: Uint8Array[]): Uint8Array[] | null {
  const script =
    'import sys,lzo,json\n' +
    'out=[]\n' +
    'for h in json.load(sys.stdin):\n' +
    '  c=lzo.compress(bytes.fromhex(h),1)\n' +
    '  out.append(c[5:].hex())\n' +
    'json.dump(out,sys.stdout)\n';
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', script], {
      input: JSON.stringify(pages.map((p) => Buffer.from(p).toString('hex'))),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status === 0)
      return (JSON.parse(r.stdout) as string[]).map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  }
  return null;
}
