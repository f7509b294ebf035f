// Merging nameservers and search domains into an existing resolv.conf, keeping its comments and
// other options, at most 3 nameservers and 6 search domains (resolv.conf(5)), as cloud-init does.
import { NetworkConfigError } from '../model.js';

type Line = { kind: 'blank' | 'comment'; text: string } | { kind: 'option'; opt: string; value: string; tail: string };

const OPTIONS = ['nameserver', 'domain', 'search', 'sortlist', 'options'];

function parse(text: string): Line[] {
  // Python's str.splitlines()
  const raw = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (raw[raw.length - 1] === '') raw.pop();
  return raw.map((line, i) => {
    if (!line.trim()) return { kind: 'blank', text: line };
    const cut = [line.indexOf(';'), line.indexOf('#')].filter((x) => x >= 0);
    const at = cut.length ? Math.min(...cut) : line.length;
    const head = line.slice(0, at);
    const tail = line.slice(at);
    if (!head.trim()) return { kind: 'comment', text: line };
    const m = /^\s*(\S+)\s+(\S[\s\S]*)$/.exec(head);
    if (!m) throw new NetworkConfigError(`Incorrectly formatted resolv.conf line ${i + 1}`);
    if (!OPTIONS.includes(m[1]!)) throw new NetworkConfigError(`Unexpected resolv.conf option ${m[1]}`);
    return { kind: 'option', opt: m[1]!, value: m[2]!, tail };
  });
}

export class ResolvConf {
  private lines: Line[];

  constructor(text: string, private readonly warn: (m: string) => void = () => {}) {
    this.lines = text ? parse(text) : [];
  }

  private values(opt: string): string[] {
    return this.lines.flatMap((l) => (l.kind === 'option' && l.opt === opt ? [l.value] : []));
  }

  private drop(opt: string): void {
    this.lines = this.lines.filter((l) => !(l.kind === 'option' && l.opt === opt));
  }

  addNameserver(ns: string): void {
    const current = this.values('nameserver');
    if (current.includes(ns)) return;
    const merged = [...new Set([...current, ns])];
    if (merged.length === current.length) return;
    if (current.length >= 3) {
      this.warn(`ignoring nameserver '${ns}': adding would exceed the maximum of '3' name servers (see resolv.conf(5))`);
      return;
    }
    this.drop('nameserver');
    for (const n of merged) this.lines.push({ kind: 'option', opt: 'nameserver', value: n, tail: '' });
  }

  addSearchDomain(domain: string): void {
    const flat = this.values('search').flatMap((v) => v.split(/\s+/).filter(Boolean));
    const merged = [...new Set([...flat, domain])];
    if (merged.length === flat.length) return;
    if (flat.length >= 6) throw new NetworkConfigError(`Adding '${domain}' would go beyond the '6' maximum search domains`);
    const list = merged.join(' ');
    if (list.length > 256) throw new NetworkConfigError(`Adding '${domain}' would go beyond the 256 maximum search list character limit`);
    this.drop('search');
    this.lines.push({ kind: 'option', opt: 'search', value: list, tail: '' });
  }

  toString(): string {
    return this.lines.map((l) => (l.kind === 'option' ? `${l.opt} ${l.value}${l.tail}` : l.text) + '\n').join('');
  }
}
