/**
 * The makedumpfile options that decide the dump's size: `-d N` (page types excluded, bits:
 * 1 zero, 2 cache, 4 cache private, 8 user, 16 free) and a compression flag (`-c` zlib, `-l`
 * lzo, `-p` snappy, `-z` zstd). `-E` (ELF) and `-F` (flattened) change the format, not the size.
 */
export interface MakedumpfileOptions {
  dumpLevel: number | null;
  compressed: boolean;
}

export function parseMakedumpfileArgs(args: string): MakedumpfileOptions {
  const words = args.trim().split(/\s+/).filter(Boolean);
  let dumpLevel: number | null = null;
  let compressed = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const d = /^(?:-d|--dump-level)(?:=?(\d+))?$/.exec(w);
    if (d) {
      const v = d[1] ?? words[i + 1];
      if (v !== undefined && /^\d+$/.test(v)) {
        dumpLevel = Number(v);
        if (d[1] === undefined) i++;
      }
      continue;
    }
    // A short-option cluster such as `-c`, `-l`, `-lF`.
    if (/^-[A-Za-z]+$/.test(w) && /[clpz]/.test(w.slice(1))) compressed = true;
  }
  return { dumpLevel, compressed };
}
