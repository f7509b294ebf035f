// A small Jinja2 subset, enough for cloud-init's templates and "## template: jinja" user-data:
// {{ expr }}, {# comments #}, {% if/elif/else/endif %}, {% for x in xs %}/{% endfor %},
// {% set x = expr %}, whitespace control with "-", trim_blocks (as cloud-init configures Jinja),
// and expressions with literals, dotted/indexed lookups, not/and/or, comparisons, `in`, and the
// filters default, lower, upper, trim, join, length, list. Undefined variables render as
// CI_MISSING_JINJA_VAR/<name>, as cloud-init's renderer does.

type Scope = Record<string, unknown>;

export class JinjaError extends Error {}

const MISSING = Symbol('missing');

interface Missing {
  [MISSING]: string;
}

function isMissing(v: unknown): v is Missing {
  return typeof v === 'object' && v !== null && MISSING in v;
}

// ---- tokenizer over the template text ----

type Tok = { t: 'text'; v: string } | { t: 'expr'; v: string } | { t: 'stmt'; v: string };

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let trimNext = false;
  let trimNewline = false;
  const re = /\{\{|\{%|\{#/g;
  while (i <= src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    let text = m ? src.slice(i, m.index) : src.slice(i);
    if (trimNext) text = text.replace(/^\s+/, '');
    else if (trimNewline) text = text.replace(/^\r?\n/, '');
    trimNext = false;
    trimNewline = false;
    if (!m) {
      if (text) toks.push({ t: 'text', v: text });
      break;
    }
    const open = m[0];
    const close = open === '{{' ? '}}' : open === '{%' ? '%}' : '#}';
    const end = src.indexOf(close, m.index + 2);
    if (end < 0) throw new JinjaError(`unclosed ${open}`);
    let inner = src.slice(m.index + 2, end);
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (text) toks.push({ t: 'text', v: text });
    if (inner.endsWith('-')) {
      trimNext = true;
      inner = inner.slice(0, -1);
    } else if (open !== '{{') {
      trimNewline = true; // trim_blocks
    }
    if (open === '{{') toks.push({ t: 'expr', v: inner.trim() });
    else if (open === '{%') toks.push({ t: 'stmt', v: inner.trim() });
    i = end + 2;
  }
  return toks;
}

// ---- expressions ----

type ETok = { k: 'num' | 'str' | 'name' | 'op'; v: string };

function lexExpr(s: string): ETok[] {
  const out: ETok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < s.length && s[j] !== c) {
        if (s[j] === '\\' && j + 1 < s.length) {
          const n = s[j + 1] as string;
          v += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else v += s[j++];
      }
      out.push({ k: 'str', v });
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(s.slice(i));
    if (num) {
      out.push({ k: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(s.slice(i));
    if (name) {
      // hyphens are not part of Jinja names, but `v1.local-hostname` style keys are common in
      // cloud-init templates only through ["..."]; keep hyphen out to be faithful
      const n = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i)) as RegExpExecArray;
      out.push({ k: 'name', v: n[0] });
      i += n[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|\*\*|\/\/|[-+*\/%<>()[\].,|~:])/.exec(s.slice(i));
    if (!op) throw new JinjaError(`unexpected character ${JSON.stringify(c)} in ${JSON.stringify(s)}`);
    out.push({ k: 'op', v: op[0] });
    i += op[0].length;
  }
  return out;
}

class ExprParser {
  private p = 0;
  constructor(
    private readonly toks: ETok[],
    private readonly scope: Scope,
  ) {}

  done(): boolean {
    return this.p >= this.toks.length;
  }

  private peek(v?: string): ETok | undefined {
    const t = this.toks[this.p];
    if (v === undefined) return t;
    return t && t.v === v && (t.k === 'op' || t.k === 'name') ? t : undefined;
  }

  private eat(v: string): boolean {
    if (this.peek(v)) {
      this.p++;
      return true;
    }
    return false;
  }

  parse(): unknown {
    const v = this.or();
    return v;
  }

  private or(): unknown {
    let l = this.and();
    while (this.eat('or')) {
      const r = this.and();
      l = truthy(l) ? l : r;
    }
    return l;
  }

  private and(): unknown {
    let l = this.not();
    while (this.eat('and')) {
      const r = this.not();
      l = truthy(l) ? r : l;
    }
    return l;
  }

  private not(): unknown {
    if (this.eat('not')) return !truthy(this.not());
    return this.cmp();
  }

  private cmp(): unknown {
    let l = this.add();
    for (;;) {
      const t = this.peek();
      if (!t) return l;
      if (t.k === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.p++;
        const r = this.add();
        const a = plain(l);
        const b = plain(r);
        l = t.v === '==' ? eq(a, b) : t.v === '!=' ? !eq(a, b) : t.v === '<' ? (a as number) < (b as number) : t.v === '>' ? (a as number) > (b as number) : t.v === '<=' ? (a as number) <= (b as number) : (a as number) >= (b as number);
      } else if (t.k === 'name' && t.v === 'in') {
        this.p++;
        l = contains(this.add(), l);
      } else if (t.k === 'name' && t.v === 'not' && this.toks[this.p + 1]?.v === 'in') {
        this.p += 2;
        l = !contains(this.add(), l);
      } else if (t.k === 'name' && t.v === 'is') {
        this.p++;
        const neg = this.eat('not');
        const test = this.toks[this.p++]?.v;
        let r: boolean;
        if (test === 'defined') r = !isMissing(l);
        else if (test === 'none') r = l === null;
        else if (test === 'string') r = typeof l === 'string';
        else throw new JinjaError(`unsupported test ${String(test)}`);
        l = neg ? !r : r;
      } else return l;
    }
  }

  private add(): unknown {
    let l = this.mul();
    for (;;) {
      if (this.eat('+')) {
        const r = this.mul();
        l = typeof l === 'number' && typeof r === 'number' ? l + r : Array.isArray(l) && Array.isArray(r) ? [...l, ...r] : `${str(l)}${str(r)}`;
      } else if (this.eat('-')) l = (plain(l) as number) - (plain(this.mul()) as number);
      else if (this.eat('~')) l = `${str(l)}${str(this.mul())}`;
      else return l;
    }
  }

  private mul(): unknown {
    let l = this.unary();
    for (;;) {
      if (this.eat('*')) l = (plain(l) as number) * (plain(this.unary()) as number);
      else if (this.eat('//')) l = Math.floor((plain(l) as number) / (plain(this.unary()) as number));
      else if (this.eat('/')) l = (plain(l) as number) / (plain(this.unary()) as number);
      else if (this.eat('%')) l = (plain(l) as number) % (plain(this.unary()) as number);
      else return l;
    }
  }

  private unary(): unknown {
    if (this.eat('-')) return -(plain(this.unary()) as number);
    return this.filtered();
  }

  private filtered(): unknown {
    let v = this.postfix();
    while (this.eat('|')) {
      const name = this.toks[this.p++];
      if (!name || name.k !== 'name') throw new JinjaError('filter name expected');
      const args: unknown[] = [];
      if (this.eat('(')) {
        if (!this.eat(')')) {
          do args.push(this.or());
          while (this.eat(','));
          if (!this.eat(')')) throw new JinjaError('expected )');
        }
      }
      v = applyFilter(name.v, v, args);
    }
    return v;
  }

  private postfix(): unknown {
    let v = this.primary();
    for (;;) {
      if (this.eat('.')) {
        const n = this.toks[this.p++];
        if (!n) throw new JinjaError('name expected after .');
        v = lookup(v, n.v);
      } else if (this.eat('[')) {
        const k = this.or();
        if (!this.eat(']')) throw new JinjaError('expected ]');
        v = lookup(v, plain(k));
      } else return v;
    }
  }

  private primary(): unknown {
    const t = this.toks[this.p++];
    if (!t) throw new JinjaError('unexpected end of expression');
    if (t.k === 'num') return Number(t.v);
    if (t.k === 'str') return t.v;
    if (t.k === 'op' && t.v === '(') {
      const v = this.or();
      if (this.eat(',')) {
        // a tuple: ('a', 'b') behaves as a list here (membership, iteration)
        const items = [plain(v)];
        while (!this.eat(')')) {
          items.push(plain(this.or()));
          if (!this.eat(',') && !this.eat(')')) throw new JinjaError('expected )');
          else if (this.toks[this.p - 1]?.v === ')') break;
        }
        return items;
      }
      if (!this.eat(')')) throw new JinjaError('expected )');
      return v;
    }
    if (t.k === 'op' && t.v === '[') {
      const items: unknown[] = [];
      if (!this.eat(']')) {
        do items.push(plain(this.or()));
        while (this.eat(','));
        if (!this.eat(']')) throw new JinjaError('expected ]');
      }
      return items;
    }
    if (t.k === 'name') {
      if (t.v === 'true' || t.v === 'True') return true;
      if (t.v === 'false' || t.v === 'False') return false;
      if (t.v === 'none' || t.v === 'None') return null;
      return t.v in this.scope ? this.scope[t.v] : ({ [MISSING]: t.v } as Missing);
    }
    throw new JinjaError(`unexpected ${t.v}`);
  }
}

function lookup(v: unknown, k: unknown): unknown {
  if (isMissing(v)) return { [MISSING]: `${v[MISSING]}.${String(k)}` } as Missing;
  if (v && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, String(k))) return (v as Record<string, unknown>)[String(k)];
  if (Array.isArray(v) && typeof k === 'number') return v[k];
  return { [MISSING]: String(k) } as Missing;
}

function plain(v: unknown): unknown {
  return isMissing(v) ? undefined : v;
}

function truthy(v: unknown): boolean {
  if (isMissing(v)) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return !!v;
}

function eq(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function contains(container: unknown, item: unknown): boolean {
  const c = plain(container);
  const i = plain(item);
  if (typeof c === 'string') return c.includes(String(i));
  if (Array.isArray(c)) return c.some((x) => eq(x, i));
  if (c && typeof c === 'object') return Object.prototype.hasOwnProperty.call(c, String(i));
  return false;
}

/** Python's str() of a value, as Jinja prints it. */
export function str(v: unknown): string {
  if (isMissing(v)) return `CI_MISSING_JINJA_VAR/${v[MISSING]}`;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return pyRepr(v);
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

function applyFilter(name: string, v: unknown, args: unknown[]): unknown {
  switch (name) {
    case 'default':
    case 'd':
      return isMissing(v) || (args[1] === true && !truthy(v)) ? args[0] : v;
    case 'lower':
      return str(v).toLowerCase();
    case 'upper':
      return str(v).toUpperCase();
    case 'trim':
      return str(v).trim();
    case 'length':
    case 'count': {
      const p = plain(v);
      return Array.isArray(p) || typeof p === 'string' ? p.length : p && typeof p === 'object' ? Object.keys(p).length : 0;
    }
    case 'join': {
      const p = plain(v);
      return Array.isArray(p) ? p.map(str).join(args[0] === undefined ? '' : str(args[0])) : str(v);
    }
    case 'string':
      return str(v);
    case 'list': {
      const p = plain(v);
      return Array.isArray(p) ? [...p] : typeof p === 'string' ? Array.from(p) : p && typeof p === 'object' ? Object.keys(p) : [];
    }
    case 'int':
      return Number.parseInt(str(v), 10) || 0;
    default:
      throw new JinjaError(`unsupported filter ${name}`);
  }
}

export function evalExpr(expr: string, scope: Scope): unknown {
  const p = new ExprParser(lexExpr(expr), scope);
  const v = p.parse();
  if (!p.done()) throw new JinjaError(`unexpected trailing tokens in ${JSON.stringify(expr)}`);
  return v;
}

// ---- statements ----

type Node = { k: 'text'; v: string } | { k: 'expr'; v: string } | { k: 'if'; branches: { cond: string | undefined; body: Node[] }[] } | { k: 'for'; target: string[]; iter: string; body: Node[]; orelse: Node[] } | { k: 'set'; name: string; expr: string };

function parseNodes(toks: Tok[], pos: { i: number }, stops: string[]): { nodes: Node[]; stop?: string } {
  const nodes: Node[] = [];
  while (pos.i < toks.length) {
    const t = toks[pos.i] as Tok;
    if (t.t === 'text') {
      nodes.push({ k: 'text', v: t.v });
      pos.i++;
      continue;
    }
    if (t.t === 'expr') {
      nodes.push({ k: 'expr', v: t.v });
      pos.i++;
      continue;
    }
    const word = t.v.split(/\s+/)[0] as string;
    if (stops.includes(word)) return { nodes, stop: t.v };
    pos.i++;
    if (word === 'if') {
      const branches: { cond: string | undefined; body: Node[] }[] = [];
      let cond: string | undefined = t.v.slice(2).trim();
      for (;;) {
        const r = parseNodes(toks, pos, ['elif', 'else', 'endif']);
        branches.push({ cond, body: r.nodes });
        if (!r.stop) throw new JinjaError('missing endif');
        pos.i++;
        const w = r.stop.split(/\s+/)[0];
        if (w === 'endif') break;
        cond = w === 'elif' ? r.stop.slice(4).trim() : undefined;
      }
      nodes.push({ k: 'if', branches });
    } else if (word === 'for') {
      const m = /^for\s+(.+?)\s+in\s+(.+)$/.exec(t.v);
      if (!m) throw new JinjaError(`bad for: ${t.v}`);
      const r = parseNodes(toks, pos, ['else', 'endfor']);
      let orelse: Node[] = [];
      if (r.stop?.startsWith('else')) {
        pos.i++;
        const r2 = parseNodes(toks, pos, ['endfor']);
        orelse = r2.nodes;
        if (!r2.stop) throw new JinjaError('missing endfor');
      } else if (!r.stop) throw new JinjaError('missing endfor');
      pos.i++;
      nodes.push({ k: 'for', target: (m[1] as string).split(',').map((s) => s.trim()), iter: m[2] as string, body: r.nodes, orelse });
    } else if (word === 'set') {
      const m = /^set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(t.v);
      if (!m) throw new JinjaError(`bad set: ${t.v}`);
      nodes.push({ k: 'set', name: m[1] as string, expr: m[2] as string });
    } else {
      throw new JinjaError(`unsupported tag {% ${word} %}`);
    }
  }
  return { nodes };
}

function renderNodes(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.k === 'text') out += n.v;
    else if (n.k === 'expr') out += str(evalExpr(n.v, scope));
    else if (n.k === 'set') scope[n.name] = plain(evalExpr(n.expr, scope));
    else if (n.k === 'if') {
      for (const b of n.branches) {
        if (b.cond === undefined || truthy(evalExpr(b.cond, scope))) {
          out += renderNodes(b.body, scope);
          break;
        }
      }
    } else {
      const it = plain(evalExpr(n.iter, scope));
      const items = Array.isArray(it) ? it : it && typeof it === 'object' ? Object.keys(it) : typeof it === 'string' ? [...it] : [];
      if (!items.length) out += renderNodes(n.orelse, scope);
      items.forEach((item, idx) => {
        const inner: Scope = Object.create(scope) as Scope;
        if (n.target.length === 1) inner[n.target[0] as string] = item;
        else n.target.forEach((t, i) => (inner[t] = Array.isArray(item) ? item[i] : undefined));
        inner.loop = { index: idx + 1, index0: idx, first: idx === 0, last: idx === items.length - 1, length: items.length };
        out += renderNodes(n.body, inner);
      });
    }
  }
  return out;
}

/**
 * Renders a Jinja template body (without the "## template: jinja" header line). Jinja drops one
 * trailing newline of the source; cloud-init adds it back, so a trailing newline is kept.
 */
export function renderJinja(src: string, vars: Scope): string {
  const trailing = src.endsWith('\n');
  const body = trailing ? src.slice(0, -1) : src;
  const toks = lex(body);
  const pos = { i: 0 };
  const r = parseNodes(toks, pos, []);
  if (pos.i < toks.length) throw new JinjaError(`unexpected {% ${(toks[pos.i] as { v: string }).v} %}`);
  return renderNodes(r.nodes, { ...vars }) + (trailing ? '\n' : '');
}

/** Splits "## template: jinja" (or basic) off a template file. */
export function templateHeader(text: string): { engine: 'jinja' | 'basic' | undefined; body: string } {
  const m = /^##\s*template:\s*(jinja|basic)\s*\r?\n/i.exec(text);
  if (!m) return { engine: undefined, body: text };
  return { engine: (m[1] as string).toLowerCase() as 'jinja' | 'basic', body: text.slice(m[0].length) };
}
