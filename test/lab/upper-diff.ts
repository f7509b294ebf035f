// Compares what two runs changed: two overlay upper dirs over the same image, file by file (kind,
// mode, owner, symlink target, content), after a normalisation layer for what differs by design
// (normalise.ts). A path that only one run changed is compared with the other run's image, so a file
// rewritten with identical bytes is no difference.
import { lstatSync, readFileSync, readlinkSync, readdirSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { command } from './command.js';
import { DEFAULT_RULES, findRule, type NormaliseContext, type NormaliseRule } from './normalise.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'whiteout' | 'other';

export interface Entry {
  /** Guest path, with a leading slash. */
  path: string;
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  target?: string;
  /** An overlay opaque directory: the run replaced it, so nothing of the image's shows through. */
  opaque?: boolean;
  /** Where to read it on the host. */
  hostPath: string;
}

export interface Side {
  /** The overlay upper dir of the run. */
  upper: string;
  /** The overlay lower dirs, uppermost first (the image the run booted). */
  lowers: string[];
  label?: string;
}

export interface View {
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  target?: string;
  /** Normalised content (text), or `sha256:<hex> (<n> bytes)` for binary content; absent for presence-only rules. */
  content?: string;
}

export interface Difference {
  path: string;
  /** only-a / only-b: one run changed the path and the other left the image's version, which differs. */
  change: 'only-a' | 'only-b' | 'changed';
  a?: View;
  b?: View;
  details: string[];
  rule?: string;
}

export interface DiffOptions {
  rules?: NormaliseRule[];
  /** Plaintext passwords by user name, for verifying password hashes instead of comparing their bytes. */
  passwords?: Record<string, string>;
  /** Checks a crypt(3) hash against a plaintext (default: the cloud-init image's python3, see guestPasswordVerifier). */
  verifyPassword?: (hash: string, plaintext: string) => Promise<boolean>;
}

export interface UpperDiff {
  differences: Difference[];
  /** Paths left out by an 'ignore' rule. */
  ignored: string[];
  /** Paths compared and found equal after normalisation. */
  same: number;
}

function kindOf(st: Stats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice() && st.rdev === 0) return 'whiteout';
  return 'other';
}

function entryAt(hostPath: string, path: string): Entry | undefined {
  let st: Stats;
  try {
    st = lstatSync(hostPath);
  } catch {
    return undefined;
  }
  const e: Entry = { path, kind: kindOf(st), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, hostPath };
  if (e.kind === 'symlink') e.target = readlinkSync(hostPath);
  return e;
}

/** Every entry of an upper dir, keyed by guest path. */
export async function scanUpper(upper: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(upper, rel)).sort()) {
      const path = `${rel}/${name}`;
      const e = entryAt(join(upper, path), path)!;
      out.set(path, e);
      if (e.kind === 'dir') walk(path);
    }
  };
  walk('');
  const x = await command(['getfattr', '-R', '-m', '^trusted\\.overlay\\.opaque$', '-d', '--absolute-names', upper], { allowFailure: true });
  for (const m of x.stdout.matchAll(/^# file: (.*)\ntrusted\.overlay\.opaque="y"$/gm)) {
    const e = out.get(m[1]!.slice(upper.length));
    if (e) e.opaque = true;
  }
  return out;
}

/** The image's version of a path: the uppermost lower dir that has it (a whiteout there hides it). */
function lowerEntry(lowers: string[], path: string): Entry | undefined {
  for (const l of lowers) {
    const e = entryAt(join(l, path), path);
    if (e) return e.kind === 'whiteout' ? undefined : e;
  }
  return undefined;
}

function isText(buf: Buffer): boolean {
  return !buf.subarray(0, 8192).includes(0) && buf.toString('utf8').indexOf('\uFFFD') === -1;
}

async function view(e: Entry | undefined, rule: NormaliseRule | undefined, ctx: Omit<NormaliseContext, 'path'>): Promise<View | undefined> {
  if (!e || e.kind === 'whiteout') return undefined;
  const v: View = { kind: e.kind, mode: e.mode, uid: e.uid, gid: e.gid };
  if (e.target !== undefined) v.target = e.target;
  if (e.kind !== 'file' || rule?.apply === 'presence') return v;
  const buf = readFileSync(e.hostPath);
  if (!isText(buf)) {
    // a named rule still applies to binary content (e.g. the MIME boundaries of a user-data.txt.i
    // holding a binary part), over its bytes as latin1; the catch-all (quiet) rules do not
    let bytes = buf;
    if (typeof rule?.apply === 'function' && !rule.quiet) bytes = Buffer.from(await rule.apply(buf.toString('latin1'), { ...ctx, path: e.path }), 'latin1');
    v.content = `sha256:${createHash('sha256').update(bytes).digest('hex')} (${bytes.length} bytes${bytes === buf ? '' : `, after ${rule!.name}`})`;
    return v;
  }
  let text = buf.toString('utf8');
  if (typeof rule?.apply === 'function') text = await rule.apply(text, { ...ctx, path: e.path });
  v.content = text;
  return v;
}

function describe(a: View | undefined, b: View | undefined): string[] {
  if (!a || !b) return [a ? 'absent in b' : 'absent in a'];
  const d: string[] = [];
  if (a.kind !== b.kind) d.push(`kind ${a.kind} vs ${b.kind}`);
  if (a.mode !== b.mode) d.push(`mode ${a.mode.toString(8).padStart(4, '0')} vs ${b.mode.toString(8).padStart(4, '0')}`);
  if (a.uid !== b.uid || a.gid !== b.gid) d.push(`owner ${a.uid}:${a.gid} vs ${b.uid}:${b.gid}`);
  if (a.target !== b.target) d.push(`symlink ${a.target} vs ${b.target}`);
  if (a.content !== b.content) {
    if (a.content === undefined || b.content === undefined || a.content.startsWith('sha256:') || b.content.startsWith('sha256:')) {
      d.push(`content ${a.content ?? '(not compared)'} vs ${b.content ?? '(not compared)'}`);
    } else {
      const la = a.content.split('\n');
      const lb = b.content.split('\n');
      const sb = new Set(lb);
      const sa = new Set(la);
      const onlyA = la.filter((l) => !sb.has(l));
      const onlyB = lb.filter((l) => !sa.has(l));
      d.push(`content differs (${la.length} vs ${lb.length} lines)`);
      for (const l of onlyA.slice(0, 20)) d.push(`  - ${l}`);
      if (onlyA.length > 20) d.push(`  - ... ${onlyA.length - 20} more`);
      for (const l of onlyB.slice(0, 20)) d.push(`  + ${l}`);
      if (onlyB.length > 20) d.push(`  + ... ${onlyB.length - 20} more`);
      if (!onlyA.length && !onlyB.length) d.push('  (same lines, different order or repetition)');
    }
  }
  return d;
}

const same = (a: View | undefined, b: View | undefined) => describe(a, b).length === 0 || (!a && !b);

export async function diffUppers(a: Side, b: Side, opts: DiffOptions = {}): Promise<UpperDiff> {
  const rules = opts.rules ?? DEFAULT_RULES;
  const ctx = { passwords: opts.passwords ?? {}, verifyPassword: opts.verifyPassword ?? (async () => false) };
  const [ea, eb] = await Promise.all([scanUpper(a.upper), scanUpper(b.upper)]);
  const canon = (m: Map<string, Entry>) => {
    const out = new Map<string, Entry>();
    for (const [p, e] of m) out.set(findRule(rules, p)?.canonicalPath?.(p) ?? p, e);
    return out;
  };
  const ca = canon(ea);
  const cb = canon(eb);
  const result: UpperDiff = { differences: [], ignored: [], same: 0 };
  for (const path of [...new Set([...ca.keys(), ...cb.keys()])].sort()) {
    const ruleA = findRule(rules, ca.get(path)?.path ?? path);
    const ruleB = findRule(rules, cb.get(path)?.path ?? path);
    if (ruleA?.apply === 'ignore' || ruleB?.apply === 'ignore') {
      result.ignored.push(path);
      continue;
    }
    let entA = ca.get(path);
    let entB = cb.get(path);
    const change: Difference['change'] = entA && entB ? 'changed' : entA ? 'only-a' : 'only-b';
    // the run that left the path alone has the image's version of it
    if (!entA) entA = lowerEntry(a.lowers, entB!.path);
    if (!entB) entB = lowerEntry(b.lowers, entA!.path);
    // a directory only shows in an upper dir because something under it changed: compare its own attributes
    const va = await view(entA, findRule(rules, entA?.path ?? path), { ...ctx, side: 'a' });
    const vb = await view(entB, findRule(rules, entB?.path ?? path), { ...ctx, side: 'b' });
    if (same(va, vb) && !(ca.get(path)?.opaque !== cb.get(path)?.opaque && va?.kind === 'dir')) {
      result.same++;
      continue;
    }
    const details = describe(va, vb);
    if (va?.kind === 'dir' && vb?.kind === 'dir' && ca.get(path)?.opaque !== cb.get(path)?.opaque) {
      details.push(`directory replaced (opaque) in ${ca.get(path)?.opaque ? 'a' : 'b'} only`);
    }
    const named = [ruleA, ruleB].find((r) => r && !r.quiet);
    const rule = named?.name;
    result.differences.push({ path, change, ...(va ? { a: va } : {}), ...(vb ? { b: vb } : {}), details, ...(rule ? { rule } : {}) });
  }
  return result;
}

export function formatDiff(d: UpperDiff, labels: { a?: string; b?: string } = {}): string {
  const la = labels.a ?? 'a';
  const lb = labels.b ?? 'b';
  const lines = [`${d.differences.length} difference(s), ${d.same} equal after normalisation, ${d.ignored.length} ignored (a = ${la}, b = ${lb})`];
  for (const x of d.differences) {
    const what = x.change === 'changed' ? 'changed by both, differently' : `changed by ${x.change === 'only-a' ? la : lb} only`;
    lines.push(`${x.path}: ${what}${x.rule ? ` [${x.rule}]` : ''}`);
    for (const l of x.details) lines.push(`    ${l}`);
  }
  return lines.join('\n');
}
