/**
 * Splits a kernel command line into arguments the way the kernel's `next_arg()` does: spaces
 * separate, double quotes group (and are dropped). Everything after a lone `--` goes to init and
 * is not a kernel parameter.
 */
export function splitCmdline(text: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quoted = false;
  let any = false;
  for (const ch of text.trim()) {
    if (ch === '"') {
      quoted = !quoted;
      any = true;
      continue;
    }
    if (!quoted && /\s/.test(ch)) {
      if (any) args.push(cur);
      cur = '';
      any = false;
      continue;
    }
    cur += ch;
    any = true;
  }
  if (any) args.push(cur);
  const dashdash = args.indexOf('--');
  return dashdash >= 0 ? args.slice(0, dashdash) : args;
}

/** Values of every `name=` argument, in order (`crashkernel=` may appear several times). */
export function argValues(args: string[], name: string): string[] {
  const prefix = `${name}=`;
  return args.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length));
}

export function hasFlag(args: string[], name: string): boolean {
  return args.some((a) => a === name || a.startsWith(`${name}=`));
}

/** True when `text` looks like a command line: printable, one line, not binary. */
export function looksLikeCmdline(text: string): boolean {
  const body = text.replace(/\n$/, '');
  // Control characters (other than the final newline) mean binary garbage, not a command line.
  // eslint-disable-next-line no-control-regex
  return !/[\x00-\x08\x0b-\x1f\x7f]/.test(body) && !body.includes('\n');
}
