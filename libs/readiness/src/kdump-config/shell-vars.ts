/** A line a shell-variable config could not be read at: reported, never thrown. */
export interface ConfigLineProblem {
  line: number;
  text: string;
  reason: string;
}

export interface ShellVars {
  vars: Map<string, { value: string; line: number }>;
  errors: ConfigLineProblem[];
}

/**
 * Reads `KEY=value` files sourced by shells (/etc/default/kdump-tools, /etc/sysconfig/kdump):
 * comments, blank lines, `export KEY=…`, double/single quotes, `$VAR`/`${VAR}` of keys set
 * before. Other shell code is reported as an error line: the tools source these files, so a
 * line we cannot read is a line they may choke on.
 */
export function parseShellVars(text: string): ShellVars {
  const vars = new Map<string, { value: string; line: number }>();
  const errors: ConfigLineProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
    if (!m) {
      errors.push({ line: i + 1, text: raw, reason: 'not a KEY=value assignment' });
      continue;
    }
    const key = m[1] as string;
    const r = readShellWord(m[2] as string, (name) => vars.get(name)?.value ?? '');
    if ('error' in r) {
      errors.push({ line: i + 1, text: raw, reason: r.error });
      continue;
    }
    vars.set(key, { value: r.value, line: i + 1 });
  }
  return { vars, errors };
}

function readShellWord(
  s: string,
  lookup: (name: string) => string,
): { value: string } | { error: string } {
  let out = '';
  let i = 0;
  const expand = (): void => {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(s.slice(i));
    if (m) {
      out += lookup((m[1] ?? m[2]) as string);
      i += m[0].length;
    } else {
      out += '$';
      i++;
    }
  };
  while (i < s.length) {
    const ch = s[i] as string;
    if (ch === '#' && (i === 0 || /\s/.test(s[i - 1] as string))) break;
    if (/\s/.test(ch)) {
      const rest = s.slice(i).trim();
      if (rest === '' || rest.startsWith('#')) break;
      return { error: 'unquoted space in value' };
    }
    if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated single quote' };
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i] as string;
        if (c === '\\' && i + 1 < s.length) {
          out += s[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else if (c === '$') expand();
        else {
          out += c;
          i++;
        }
      }
      if (!closed) return { error: 'unterminated double quote' };
    } else if (ch === '$') expand();
    else if (ch === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (ch === '`' || ch === ';' || ch === '|' || ch === '&') {
      return { error: `shell syntax '${ch}' is not a plain value` };
    } else {
      out += ch;
      i++;
    }
  }
  return { value: out };
}
