// A YAML writer that produces the bytes PyYAML's `yaml.dump(data, Dumper=SafeDumper, indent=4,
// default_flow_style=False)` produces: sorted keys, block style, indentless sequences under keys,
// empty collections as [] and {}, PyYAML's choice between plain, 'single' and "double" quoting
// (YAML 1.1 resolution: a string that would read back as a bool, number, null or timestamp is
// quoted), folding of long scalars at column 80, and &idNNN anchors for shared objects.
// cloud-init writes netplan files with it, so byte equality depends on every one of these rules.

export interface DumpOptions {
  indent?: number;
  /** PyYAML's NoAliasDumper: shared objects are written out again instead of as aliases. */
  noAlias?: boolean;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS_OR_END = '\0 \t\r\n\x85\u2028\u2029';
const BEST_WIDTH = 80;

// YAML 1.1 implicit resolvers, as PyYAML's Resolver registers them (keyed on the first character).
const RESOLVERS: Array<[string, RegExp]> = [
  ['yYnNtTfFoO', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  ['-+0123456789.', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/],
  ['-+0123456789', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/],
  ['<', /^(?:<<)$/],
  ['~nN', /^(?:~|null|Null|NULL)$/],
  ['0123456789', /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/],
  ['=', /^(?:=)$/],
];

/** Whether a plain scalar with this text would read back as something other than a string. */
function resolvesToNonString(text: string): boolean {
  if (text === '') return true; // the empty plain scalar is null
  // Python's `$` also matches before one trailing newline
  const probe = text.endsWith('\n') ? text.slice(0, -1) : text;
  return RESOLVERS.some(([first, re]) => first.includes(text[0]!) && re.test(probe));
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function analyze(chars: string[]): Analysis {
  const n = chars.length;
  if (n === 0) return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  let blockIndicators = false, flowIndicators = false, lineBreaks = false, special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false;
  const text = chars.join('');
  if (text.startsWith('---') || text.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWs = true;
  let followedByWs = n === 1 || WS_OR_END.includes(chars[1]!);
  let prevSpace = false, prevBreak = false;
  for (let i = 0; i < n; i++) {
    const ch = chars[i]!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '-' && followedByWs) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWs) blockIndicators = true;
      }
      if (ch === '#' && precededByWs) flowIndicators = blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const c = ch.codePointAt(0)!;
    // allow_unicode is off, so printable non-ASCII text is as special as a control character
    if (!(ch === '\n' || (c >= 0x20 && c <= 0x7e))) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
    precededByWs = WS_OR_END.includes(ch);
    followedByWs = i + 2 >= n || WS_OR_END.includes(chars[i + 2]!);
  }
  let flowPlain = true, blockPlain = true, single = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (breakSpace) flowPlain = blockPlain = single = false;
  if (spaceBreak || special) flowPlain = blockPlain = single = false;
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flowIndicators) flowPlain = false;
  if (blockIndicators) blockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain: flowPlain, allowBlockPlain: blockPlain, allowSingleQuoted: single };
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0a': 'n', '\x0b': 'v', '\x0c': 'f', '\x0d': 'r',
  '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

interface Scalar { text: string; isString: boolean }

function representScalar(v: unknown): Scalar {
  if (v === null || v === undefined) return { text: 'null', isString: false };
  if (typeof v === 'boolean') return { text: v ? 'true' : 'false', isString: false };
  if (typeof v === 'bigint') return { text: v.toString(), isString: false };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { text: '.nan', isString: false };
    if (!Number.isFinite(v)) return { text: v > 0 ? '.inf' : '-.inf', isString: false };
    if (Number.isInteger(v)) return { text: String(v), isString: false };
    let t = String(v).toLowerCase();
    if (!t.includes('.') && t.includes('e')) t = t.replace('e', '.0e');
    return { text: t, isString: false };
  }
  if (v instanceof Date) return { text: v.toISOString().slice(0, 10), isString: false };
  return { text: String(v), isString: true };
}

const isCollection = (v: unknown): v is object => typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Uint8Array);

function sortedEntries(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | undefined;
  private indents: Array<number | undefined> = [];
  private anchors = new Map<object, string | null>();
  private emitted = new Set<object>();
  private lastAnchor = 0;

  constructor(private readonly bestIndent: number, private readonly noAlias: boolean) {}

  dump(v: unknown): string {
    if (!this.noAlias) this.assignAnchors(v);
    this.node(v, { root: true, sequence: false, mapping: false, simpleKey: false });
    this.writeIndent(); // document end
    return this.out;
  }

  // An object met a second time gets the next anchor, in the order of those second meetings.
  private assignAnchors(v: unknown): void {
    if (!isCollection(v)) return;
    if (this.anchors.has(v)) {
      if (this.anchors.get(v) === null) this.anchors.set(v, `id${String(++this.lastAnchor).padStart(3, '0')}`);
      return;
    }
    this.anchors.set(v, null);
    if (Array.isArray(v)) for (const x of v) this.assignAnchors(x);
    else for (const [, x] of sortedEntries(v as Record<string, unknown>)) this.assignAnchors(x);
  }

  private write(s: string): void {
    this.out += s;
    this.column += s.length;
  }

  private lineBreak(): void {
    this.out += '\n';
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private indicator(ind: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? ind : ' ' + ind);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === undefined) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private node(v: unknown, ctx: { root: boolean; sequence: boolean; mapping: boolean; simpleKey: boolean }): void {
    if (isCollection(v) && !this.noAlias) {
      const anchor = this.anchors.get(v);
      if (anchor && this.emitted.has(v)) {
        this.indicator('*' + anchor, true);
        return;
      }
      this.emitted.add(v);
      if (anchor) this.indicator('&' + anchor, true);
    }
    if (v instanceof Uint8Array) return this.binary(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return this.indicator('[]', true);
      const indentless = ctx.mapping && !this.indention;
      this.increaseIndent(false, indentless);
      for (const item of v) {
        this.writeIndent();
        this.indicator('-', true, false, true);
        this.node(item, { root: false, sequence: true, mapping: false, simpleKey: false });
      }
      this.indent = this.indents.pop();
      return;
    }
    if (isCollection(v)) {
      const entries = sortedEntries(v as Record<string, unknown>);
      if (entries.length === 0) return this.indicator('{}', true);
      this.increaseIndent(false);
      for (const [k, val] of entries) {
        this.writeIndent();
        const key = representScalar(k);
        const kchars = Array.from(key.text);
        const ka = analyze(kchars);
        // the tag length counts too ("!!str"), although an implicit tag is never written
        if (kchars.length + 5 < 128 && !ka.empty && !ka.multiline) {
          this.node(k, { root: false, sequence: false, mapping: true, simpleKey: true });
          this.indicator(':', false);
        } else {
          this.indicator('?', true, false, true);
          this.node(k, { root: false, sequence: false, mapping: true, simpleKey: false });
          this.writeIndent();
          this.indicator(':', true, false, true);
        }
        this.node(val, { root: false, sequence: false, mapping: true, simpleKey: false });
      }
      this.indent = this.indents.pop();
      return;
    }
    this.scalar(representScalar(v), ctx.simpleKey);
  }

  // PyYAML's represent_binary: `!!binary |` and base64.encodebytes' 76-column lines as a literal block
  private binary(b: Uint8Array): void {
    this.increaseIndent(true);
    this.indicator('!!binary', true);
    const lines = Buffer.from(b).toString('base64').match(/.{1,76}/g) ?? [];
    this.indicator(lines.length ? '|' : '|-', true);
    for (const line of lines) {
      this.lineBreak();
      this.write(' '.repeat(this.indent ?? 0));
      this.write(line);
    }
    this.lineBreak();
    this.indent = this.indents.pop();
  }

  private scalar(s: Scalar, simpleKey: boolean): void {
    this.increaseIndent(true);
    const chars = Array.from(s.text);
    const a = analyze(chars);
    const implicitPlain = !s.isString || !resolvesToNonString(s.text);
    let style: '' | "'" | '"' = '"';
    if (implicitPlain && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain) style = '';
    else if (a.allowSingleQuoted && !(simpleKey && a.multiline)) style = "'";
    const split = !simpleKey;
    if (style === '') this.plain(chars, split);
    else if (style === "'") this.singleQuoted(chars, split);
    else this.doubleQuoted(chars, split);
    this.indent = this.indents.pop();
  }

  private plain(chars: string[], split: boolean): void {
    if (chars.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(chars.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private singleQuoted(chars: string[], split: boolean): void {
    this.indicator("'", true);
    let spaces = false, breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) {
            this.writeIndent();
          } else {
            this.write(chars.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.lineBreak();
          for (const br of chars.slice(start, end)) {
            if (br === '\n') this.lineBreak();
            else {
              this.out += br;
              this.whitespace = this.indention = true;
              this.column = 0;
            }
          }
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ' '.includes(ch) || BREAKS.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(chars: string[], split: boolean): void {
    this.indicator('"', true);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      const c = ch === undefined ? 0 : ch.codePointAt(0)!;
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !(c >= 0x20 && c <= 0x7e)) {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          const esc = ESCAPES[ch];
          if (esc !== undefined) this.write('\\' + esc);
          else if (c <= 0xff) this.write('\\x' + c.toString(16).toUpperCase().padStart(2, '0'));
          else if (c <= 0xffff) this.write('\\u' + c.toString(16).toUpperCase().padStart(4, '0'));
          else this.write('\\U' + c.toString(16).toUpperCase().padStart(8, '0'));
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        this.write(chars.slice(start, end).join('') + '\\');
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }
}

/** PyYAML `yaml.dump(v, Dumper=SafeDumper, indent=4, default_flow_style=False)` without document markers. */
export function pyyamlDump(v: unknown, opts: DumpOptions = {}): string {
  return new Emitter(opts.indent ?? 4, opts.noAlias ?? false).dump(v);
}
