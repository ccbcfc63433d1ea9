/** One package's entry in /var/lib/dpkg/status. */
export interface DpkgPackage {
  name: string;
  status: string;
  version: string;
}

/** Reads the dpkg status database (RFC 822-style paragraphs); keeps only installed packages' facts. */
export function parseDpkgStatus(text: string): Map<string, DpkgPackage> {
  const out = new Map<string, DpkgPackage>();
  for (const para of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of para.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields.set((m[1] as string).toLowerCase(), m[2] as string);
    }
    const name = fields.get('package');
    if (!name) continue;
    out.set(name, {
      name,
      status: fields.get('status') ?? '',
      version: fields.get('version') ?? '',
    });
  }
  return out;
}

/** `1:1.7.2-1+deb12u1` → `1.7.2` (no epoch, no Debian revision). */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

export function isInstalled(p: DpkgPackage | undefined): boolean {
  return p !== undefined && /\binstalled\b/.test(p.status) && !/\bconfig-files\b/.test(p.status);
}
