// What differs between two runs by design, and how each is compared instead: host key bytes, log
// bodies, timestamps, random seeds, the datasource cache format (cloud-init's obj.pkl, kindling's
// obj.json), and password hashes (verified against the plaintext, not compared byte for byte).
// Rules are data: tests add their own in front of DEFAULT_RULES.
import { command } from './command.js';

export interface NormaliseContext {
  path: string;
  side: 'a' | 'b';
  passwords: Record<string, string>;
  verifyPassword: (hash: string, plaintext: string) => Promise<boolean>;
}

export interface NormaliseRule {
  name: string;
  match: RegExp;
  /**
   * 'ignore': left out of the comparison altogether. 'presence': kind, mode, owner and symlink target
   * compared, content not. A function: the content (text) is compared after it.
   */
  apply: 'ignore' | 'presence' | ((text: string, ctx: NormaliseContext) => string | Promise<string>);
  /** Not named in reports (a catch-all that applies to every file). */
  quiet?: boolean;
  /** A canonical name for paths that differ by design (obj.pkl vs obj.json). */
  canonicalPath?: (path: string) => string;
}

export function findRule(rules: NormaliseRule[], path: string): NormaliseRule | undefined {
  return rules.find((r) => r.match.test(path));
}

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const RFC2822_TIME = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}/g;
const EPOCH = /\b1[5-9]\d{8}(?:\.\d+)?\b/g;
const DATE1_TIME = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}(?: [A-Z]{2,5})? \d{4}\b/g; // date(1)
const SLASH_TIME = /\b\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\b/g; // dhclient leases

/** Replaces wall-clock timestamps (ISO 8601, RFC 2822, dhclient's, epoch seconds) with <time>. */
export function maskTimestamps(text: string): string {
  return text.replace(ISO_TIME, '<time>').replace(RFC2822_TIME, '<time>').replace(DATE1_TIME, '<time>').replace(SLASH_TIME, '<time>').replace(EPOCH, '<time>');
}

/** Random temporary file names (Python's tempfile: tmp + 8 characters) in paths. */
export function maskTempNames(text: string): string {
  return text.replace(/(\/(?:run\/cloud-init\/)?tmp\/)tmp[a-z0-9_]{8}\b/g, '$1<tmp>');
}

/**
 * The loop device behind an image the lab attached (/dev/loopN in str(ds), status.json...): its
 * number is whichever the host had free, which depends on what else runs, not on the agent.
 */
export function maskLoopDevices(text: string): string {
  return text.replace(/\/dev\/loop\d+\b/g, '/dev/loop<N>');
}

/** MIME multipart boundaries are random: every boundary="X" value, and its uses, become <boundary>. */
export function maskMimeBoundaries(text: string): string {
  let out = text;
  for (const m of text.matchAll(/boundary="?([^";\s]+)"?/g)) out = out.split(m[1]!).join('<boundary>');
  return out;
}

const TIME_KEYS = new Set(['start', 'finished', 'last_update', 'timestamp', 'time', 'boot_time', 'uptime']);
const RANDOM_KEYS = new Set(['random_seed']);

/** JSON with time fields and random seeds masked, re-serialised with sorted keys (formatting is not compared). */
export function normaliseJson(text: string): string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return maskLoopDevices(maskTimestamps(text));
  }
  const walk = (v: unknown, key?: string): unknown => {
    if (key && RANDOM_KEYS.has(key) && v !== null) return '<random>';
    if (key && TIME_KEYS.has(key) && (typeof v === 'number' || typeof v === 'string')) return '<time>';
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, walk((v as Record<string, unknown>)[k], k)]));
    }
    return typeof v === 'string' ? maskLoopDevices(maskTempNames(maskTimestamps(v))) : v;
  };
  return JSON.stringify(walk(data), null, 1);
}

/** /etc/shadow: each hash becomes the plaintext it verifies against, or its scheme; the change date is masked. */
async function normaliseShadow(text: string, ctx: NormaliseContext): Promise<string> {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3) {
      out.push(line);
      continue;
    }
    const [user, hash] = [f[0]!, f[1]!];
    if (/^\$[0-9a-z]+\$/.test(hash)) {
      const plain = ctx.passwords[user];
      const scheme = hash.slice(0, hash.indexOf('$', 1) + 1);
      f[1] = plain !== undefined && (await ctx.verifyPassword(hash, plain)) ? `<hash verifying ${JSON.stringify(plain)}>` : `<${scheme} hash not verified>`;
    }
    if (f[2] && f[2] !== '0') f[2] = '<lastchg>';
    out.push(f.join(':'));
  }
  return out.join('\n');
}

/** Host keys: the key type and comment of a public key count, its bytes do not. */
function normaliseHostKey(text: string, ctx: NormaliseContext): string {
  if (ctx.path.endsWith('.pub')) {
    const [type, , ...comment] = text.trim().split(/\s+/);
    return `${type} <key> ${comment.join(' ')}`.trim();
  }
  const header = /-----BEGIN ([A-Z ]+)-----/.exec(text)?.[1] ?? 'unknown';
  return `<private key: ${header}>`;
}

export const DEFAULT_RULES: NormaliseRule[] = [
  { name: 'host-keys', match: /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key(\.pub)?$/, apply: normaliseHostKey },
  { name: 'log-bodies', match: /^\/var\/log\/cloud-init(-output)?\.log$/, apply: 'presence' },
  {
    name: 'datasource-cache',
    match: /^\/var\/lib\/cloud\/instances\/[^/]+\/obj\.(pkl|json)$/,
    apply: 'presence',
    canonicalPath: (p) => p.replace(/obj\.(pkl|json)$/, '<datasource cache>'),
  },
  { name: 'semaphores', match: /\/sem\/[^/]+$/, apply: (t) => t.replace(/^\d+: [\d.]+$/gm, '<pid>: <time>') },
  {
    name: 'boot-finished',
    match: /^\/var\/lib\/cloud\/instances\/[^/]+\/boot-finished$/,
    apply: (t) => maskTimestamps(t).replace(/^[\d.]+ - /, '<uptime> - '),
  },
  { name: 'passwords', match: /^\/etc\/(shadow|gshadow)-?$/, apply: normaliseShadow },
  { name: 'json', match: /\.json$/, apply: normaliseJson },
  // cloud-init 22.4's cc_ssh (apply_credentials) makes the keys it adds a Python set, whose order
  // changes from run to run with str hash randomisation: the order of authorized_keys lines means
  // nothing, their set does (checked: the image's python3 orders a set of two keys both ways across runs)
  { name: 'authorized-keys-order', match: /\/\.ssh\/authorized_keys$/, apply: (t) => t.split('\n').filter(Boolean).sort().join('\n') },
  { name: 'python-bytecode', match: /\/__pycache__\//, apply: 'ignore' },
  // kindling-init's V8 code cache of its bundle (scripts/agent-loader.js): its counterpart of the above
  { name: 'v8-code-cache', match: /^\/var\/cache\/kindling-init(\/|$)/, apply: 'ignore' },
  // processed user-data/vendor-data: cloud-init wraps parts in MIME with random boundaries
  { name: 'mime-boundaries', match: /\.txt\.i$/, apply: (t) => maskTimestamps(maskMimeBoundaries(t)) },
  // dhclient's DUID is time-based (DUID-LLT), and lease times are wall-clock
  // (dhclient escapes a quote byte of the DUID as \", so the string runs to the first unescaped quote)
  { name: 'dhcp-leases', match: /^\/var\/lib\/dhcp\/[^/]+\.leases$/, apply: (t) =>
      // dhclient writes each lease time as "<weekday digit> <date> <time>": the weekday changes
      // with the time, so a run that crosses midnight (UTC) must not read as a difference
      maskTimestamps(t)
        .replace(/^(\s*(?:renew|rebind|expire)) \d <time>;/gm, '$1 <time>;')
        .replace(/default-duid "(?:[^"\\]|\\.)*";/g, 'default-duid <duid>;') },
  // anything else: wall-clock timestamps (e.g. "# Created by cloud-init v. 22.4.2 on <date>" in sudoers.d)
  { name: 'timestamps', match: /./, apply: (t) => maskLoopDevices(maskTempNames(maskTimestamps(t))), quiet: true },
];

/** Verifies crypt(3) hashes with the image's own python3 (crypt), run chrooted in a read-only image. */
export function guestPasswordVerifier(rootfs: string): (hash: string, plaintext: string) => Promise<boolean> {
  const py = 'import crypt,json,sys,warnings\nwarnings.simplefilter("ignore")\nd=json.load(sys.stdin)\nprint(crypt.crypt(d["p"], d["h"]) == d["h"])';
  return async (hash, plaintext) => {
    const r = await command(['chroot', rootfs, '/usr/bin/python3', '-B', '-c', py], {
      input: JSON.stringify({ h: hash, p: plaintext }),
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    });
    return r.stdout.trim() === 'True';
  };
}
