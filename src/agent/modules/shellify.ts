// cloud-init's shellify: a list of commands into a /bin/sh script. A string is a shell line as
// written; a list is one command whose words are single-quoted (so user data is never re-parsed).
export function shellify(cmds: unknown, header = true): string {
  if (!Array.isArray(cmds)) throw new TypeError(`Input to shellify was type '${cmds === null ? 'NoneType' : typeof cmds}'. Expected list or tuple.`);
  let out = header ? '#!/bin/sh\n' : '';
  for (const c of cmds) {
    if (Array.isArray(c)) out += `${c.map((w) => `'${pyStr(w).replace(/'/g, "'\\''")}'`).join(' ')}\n`;
    else if (typeof c === 'string') out += `${c}\n`;
    else if (c === null || c === undefined) continue;
    else throw new TypeError(`Unable to shellify type '${typeof c}'. Expected list, string, tuple. Got: ${JSON.stringify(c)}`);
  }
  return out;
}

/** Python's str() of a YAML scalar, for command words (True, 1.5, None...). */
export function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
