// `kindling serve` configuration: command-line flags over environment variables over a config
// file (YAML or JSON) over defaults. One table describes every option, so parsing, the
// environment, the file keys and --help never disagree. Anything wrong is a ConfigError: the
// command prints its one line and exits 2.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../wire/instance.js';
import { DEFAULT_VIEW_CACHE } from './guest/view-cache.js';
import { IDENTIFY_MODES, type IdentifyMode } from './identify/identify.js';
import { TrustedProxies } from './identify/trusted-proxies.js';
import { defaultStateDir } from './state-dir.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ListenSpec {
  host: string;
  port: number;
  identify: IdentifyMode;
  /** As given, for messages ("[fe80::a9fe:a9fe%eth0]:80"). */
  text: string;
}

export interface ServeConfig {
  listen: ListenSpec[];
  controlListen: ListenSpec;
  db: string;
  workers: number;
  stateDir: string;
  controlTokenFile: string;
  dhcpDomain: string;
  vendorData: JsonObject;
  vendorDataFile: string | undefined;
  accessLog: string;
  pidFile: string | undefined;
  configFile: string | undefined;
  region: string;
  trustedProxies: string[];
  /** Read from --proxy-secret-file; never logged. */
  proxySecret: string | undefined;
  /** undefined: no per-instance rate limit. */
  rateLimit: { rate: number; burst: number } | undefined;
  tokenKey: Buffer | undefined;
  /** How many instances' rendered views a process keeps (the least recently used go first). */
  viewCache: number;
}

interface OptionSpec {
  name: string;
  env: string;
  arg: string;
  repeatable?: boolean;
  help: string;
  /** Shown in --help; computed defaults are described in words. */
  defaultText: string;
}

export const OPTIONS: OptionSpec[] = [
  { name: 'listen', env: 'KINDLING_LISTEN', arg: 'ADDR:PORT[,identify=MODE]', repeatable: true, defaultText: '127.0.0.1:8775',
    help: 'A guest (metadata) listener. Repeat for several, e.g. 169.254.169.254:80 and [fe80::a9fe:a9fe%eth0]:80. ' +
      `MODE says how callers are identified: ${IDENTIFY_MODES.join(', ')} (default source-ip: the TCP peer address ` +
      'matched against the registry\'s addresses). In the environment, separate listeners with spaces.' },
  { name: 'control-listen', env: 'KINDLING_CONTROL_LISTEN', arg: 'ADDR:PORT', defaultText: '127.0.0.1:8776',
    help: 'The control API listener (/v1, bearer token; /healthz needs none). Keep it off guest networks.' },
  { name: 'db', env: 'KINDLING_DB', arg: 'FILE|URL', defaultText: 'STATE_DIR/kindling.db',
    help: 'The store. An SQLite file (created, WAL mode, migrated on start; sqlite:FILE works too), or ' +
      'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for the PostgreSQL store that several replicas share: each ' +
      'replica keeps every instance in memory and follows the others\' changes through LISTEN/NOTIFY. Prefer ' +
      'PGPASSWORD or ~/.pgpass to a password in the URL.' },
  { name: 'workers', env: 'KINDLING_WORKERS', arg: 'N|auto', defaultText: '1',
    help: 'Serve from N processes sharing the listeners (node:cluster), each holding the whole index; auto is one per ' +
      'CPU. A worker that dies is restarted.' },
  { name: 'state-dir', env: 'KINDLING_STATE_DIR', arg: 'DIR', defaultText: '/var/lib/kindling as root, else $XDG_STATE_HOME/kindling',
    help: 'Where the default database and the control token live. The CLI looks for the token here too.' },
  { name: 'control-token-file', env: 'KINDLING_TOKEN_FILE', arg: 'FILE', defaultText: 'STATE_DIR/control-token',
    help: 'The control API token. Generated (mode 0600) on first start when missing; refused when readable by others.' },
  { name: 'dhcp-domain', env: 'KINDLING_DHCP_DOMAIN', arg: 'DOMAIN', defaultText: 'novalocal',
    help: 'Appended to instance host names in meta_data.json and the EC2 hostname keys, like Nova\'s [api] dhcp_domain. ' +
      'An empty value serves bare host names.' },
  { name: 'vendor-data', env: 'KINDLING_VENDOR_DATA', arg: 'FILE', defaultText: 'none ({})',
    help: 'A JSON object served as vendor_data.json (and vendor_data2.json\'s "static") to instances without their own.' },
  { name: 'access-log', env: 'KINDLING_ACCESS_LOG', arg: 'FILE|-|off', defaultText: '- (standard output)',
    help: 'Where the access log goes. It records peer, instance, method, path, status and size; never bodies, ' +
      'user data, passwords or tokens.' },
  { name: 'trusted-proxy', env: 'KINDLING_TRUSTED_PROXY', arg: 'ADDR[/BITS]', repeatable: true, defaultText: 'none',
    help: 'An address or CIDR block allowed to speak for guests: neutron-proxy listeners accept only these peers, ' +
      'forwarded-for listeners believe X-Forwarded-For only from them. In the environment, separate with spaces.' },
  { name: 'proxy-secret-file', env: 'KINDLING_PROXY_SECRET_FILE', arg: 'FILE', defaultText: 'none',
    help: 'The shared secret of neutron-proxy listeners (Neutron\'s metadata_proxy_shared_secret): X-Instance-ID-Signature ' +
      'must be hex HMAC-SHA256(secret, X-Instance-ID). The service refuses to start in that mode without a non-empty ' +
      'secret, and refuses a file readable by everyone.' },
  { name: 'rate-limit', env: 'KINDLING_RATE_LIMIT', arg: 'PER_SECOND', defaultText: '50',
    help: 'Per-instance rate limit on guest listeners, in requests per second sustained; past it and the burst a guest ' +
      'gets 429 with Retry-After. 0 disables it.' },
  { name: 'rate-limit-burst', env: 'KINDLING_RATE_LIMIT_BURST', arg: 'N', defaultText: '200',
    help: 'Requests a guest may make at once before the rate applies (cloud-init\'s crawl of both APIs is about 70).' },
  { name: 'view-cache', env: 'KINDLING_VIEW_CACHE', arg: 'N', defaultText: String(DEFAULT_VIEW_CACHE),
    help: 'How many instances\' rendered documents each process keeps, the most recently asked for; the others are ' +
      'rendered again from the record held in memory when their guest asks. Every instance\'s record stays in memory ' +
      'whatever this is; a view costs a few KB.' },
  { name: 'region', env: 'KINDLING_REGION', arg: 'NAME', defaultText: 'RegionOne',
    help: 'The region named in EC2 instance identity documents.' },
  { name: 'imds-token-key-file', env: 'KINDLING_IMDS_TOKEN_KEY_FILE', arg: 'FILE', defaultText: 'derived from the control token',
    help: 'Key that seals IMDSv2 tokens (at least 16 bytes). Workers and replicas that share the control token ' +
      'share the derived key already; replicas on several hosts behind one address need the same key or token.' },
  { name: 'pid-file', env: 'KINDLING_PID_FILE', arg: 'FILE', defaultText: 'none',
    help: 'Write the process id here while running (removed on exit).' },
  { name: 'config', env: 'KINDLING_CONFIG', arg: 'FILE', defaultText: 'none',
    help: 'A YAML or JSON file whose keys are these option names (listen may be a list). Flags and environment ' +
      'variables override it.' },
];

const BY_NAME = new Map(OPTIONS.map((o) => [o.name, o]));

export function serveHelp(): string {
  const lines = [
    'Usage: kindling serve [OPTIONS]',
    '',
    'Runs the metadata service: guest listeners answering the OpenStack and EC2-compatible metadata APIs from',
    'an in-memory index of the instance registry, and the control API that manages the registry.',
    '',
    'Options (each also settable by its environment variable or config-file key; flags win, then the',
    'environment, then the config file):',
  ];
  for (const o of OPTIONS) {
    lines.push('', `  --${o.name} ${o.arg}${o.repeatable ? '  (repeatable)' : ''}`);
    lines.push(`      env ${o.env}; default ${o.defaultText}`);
    lines.push(...wrap(o.help, 96).map((l) => `      ${l}`));
  }
  lines.push('', '  -h, --help', '      This text.', '',
    'Exit status: 0 after a clean stop (SIGTERM/SIGINT), 2 for bad configuration (one line on stderr),',
    '1 for other failures.');
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/** "ADDR:PORT[,identify=MODE]" with ADDR an IP (IPv6 in brackets, zone allowed) or "localhost". */
export function parseListen(text: string, what: string, allowIdentify = true): ListenSpec {
  const [addrPort, ...opts] = text.trim().split(',');
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(addrPort ?? '');
  if (!m) throw new ConfigError(`${what}: ${JSON.stringify(text)} is not ADDR:PORT (IPv6 as [ADDR]:PORT)`);
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range`);
  const bare = host.split('%')[0]!;
  if (m[1] !== undefined ? isIP(bare) !== 6 : !(isIP(host) === 4 || host === 'localhost')) {
    throw new ConfigError(`${what}: ${JSON.stringify(host)} is not an IP address${m[1] === undefined && host.includes(':') ? ' (write IPv6 as [ADDR]:PORT)' : ''}`);
  }
  let identify: IdentifyMode = 'source-ip';
  for (const opt of opts) {
    const [k, v] = opt.split('=');
    if (!allowIdentify || k !== 'identify') throw new ConfigError(`${what}: unknown listener option ${JSON.stringify(opt)}`);
    if (!(IDENTIFY_MODES as readonly string[]).includes(v ?? '')) {
      throw new ConfigError(`${what}: identify must be one of ${IDENTIFY_MODES.join(', ')}, not ${JSON.stringify(v ?? '')}`);
    }
    identify = v as IdentifyMode;
  }
  return { host, port, identify, text: text.trim() };
}

type Raw = Map<string, string[]>;

function fromArgv(argv: string[]): Raw {
  const raw: Raw = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ConfigError(`unexpected argument ${JSON.stringify(a)} (see kindling serve --help)`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = BY_NAME.get(name);
    if (!spec) throw new ConfigError(`unknown option --${name} (see kindling serve --help)`);
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new ConfigError(`--${name} needs a value (${spec.arg})`);
      value = next;
      i++;
    }
    const prev = raw.get(name);
    if (prev && !spec.repeatable) throw new ConfigError(`--${name} given twice`);
    raw.set(name, [...(prev ?? []), value]);
  }
  return raw;
}

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = new Map();
  for (const o of OPTIONS) {
    const v = env[o.env];
    if (v === undefined) continue;
    raw.set(o.name, o.repeatable ? v.split(/\s+/).filter(Boolean) : [v]);
  }
  return raw;
}

function fromFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1' });
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const raw: Raw = new Map();
  if (doc === null || doc === undefined) return raw;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must be a mapping of option names to values`);
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const spec = BY_NAME.get(k);
    if (!spec || k === 'config') throw new ConfigError(`config file ${file}: unknown key ${JSON.stringify(k)}`);
    const values = Array.isArray(v) ? v : [v];
    if (values.length > 1 && !spec.repeatable) throw new ConfigError(`config file ${file}: ${k} takes one value`);
    if (!values.every((x) => typeof x === 'string' || typeof x === 'number')) throw new ConfigError(`config file ${file}: ${k} must be a string`);
    raw.set(k, values.map(String));
  }
  return raw;
}

function number(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${what}: ${JSON.stringify(text)} is not a number from ${min} to ${max}`);
  return n;
}

/** A secret from a file: trimmed, and refused when everyone may read the file. */
function readSecret(file: string, what: string): string {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new ConfigError(`${what} ${file}: ${(e as Error).message}`);
  }
  if ((st.mode & 0o004) !== 0) throw new ConfigError(`${what} ${file} is readable by everyone (mode ${(st.mode & 0o777).toString(8)}); chmod o-r it`);
  return readFileSync(file, 'utf8').trim();
}

function loadVendorData(file: string): JsonObject {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`--vendor-data ${file}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`--vendor-data ${file}: must hold a JSON object`);
  return doc as JsonObject;
}

export function loadServeConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const flags = fromArgv(argv);
  const envRaw = fromEnv(env);
  const configFile = flags.get('config')?.[0] ?? envRaw.get('config')?.[0];
  const file = configFile ? fromFile(configFile) : new Map<string, string[]>();
  const get = (name: string): string[] | undefined => flags.get(name) ?? envRaw.get(name) ?? file.get(name);
  const one = (name: string): string | undefined => get(name)?.[0];

  const listenTexts = get('listen') ?? ['127.0.0.1:8775'];
  if (listenTexts.length === 0) throw new ConfigError('at least one --listen is needed');
  const listen = listenTexts.map((t) => parseListen(t, '--listen'));
  const controlListen = parseListen(one('control-listen') ?? '127.0.0.1:8776', '--control-listen', false);
  const seen = new Set<string>();
  for (const l of [...listen, controlListen]) {
    const key = `${l.host}|${l.port}`;
    if (l.port !== 0 && seen.has(key)) throw new ConfigError(`${l.text} is given twice (listeners must differ)`);
    seen.add(key);
  }
  const stateDir = one('state-dir') ?? defaultStateDir(env);
  const dhcpDomain = one('dhcp-domain') ?? 'novalocal';
  if (dhcpDomain !== '' && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(dhcpDomain)) {
    throw new ConfigError(`--dhcp-domain: ${JSON.stringify(dhcpDomain)} is not a domain name`);
  }
  const vendorDataFile = one('vendor-data');
  const accessLog = one('access-log') ?? '-';
  if (accessLog === '') throw new ConfigError('--access-log needs a file, - or off');
  const db = one('db') ?? join(stateDir, 'kindling.db');
  if (db === '' || db === 'sqlite:') throw new ConfigError('--db needs a file or a postgres:// URL');
  if (/^postgres(ql)?:/i.test(db)) {
    try {
      const u = new URL(db);
      if (!u.hostname && !u.searchParams.get('host')) throw new Error('no host');
    } catch {
      throw new ConfigError('--db: a PostgreSQL URL looks like postgres://USER@HOST:PORT/DATABASE');
    }
  }
  const workersText = one('workers') ?? '1';
  const workers = workersText === 'auto' ? availableParallelism() : Number(workersText);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new ConfigError(`--workers: ${JSON.stringify(workersText)} is not a number from 1 to 256 or auto`);
  const trustedProxies = get('trusted-proxy') ?? [];
  try {
    new TrustedProxies(trustedProxies);
  } catch (e) {
    throw new ConfigError(`--trusted-proxy: ${(e as Error).message}`);
  }
  const modes = new Set(listen.map((l) => l.identify));
  for (const mode of ['neutron-proxy', 'forwarded-for'] as const) {
    if (modes.has(mode) && trustedProxies.length === 0) throw new ConfigError(`identify=${mode} needs --trusted-proxy (the proxies' addresses)`);
  }
  const secretFile = one('proxy-secret-file');
  const proxySecret = secretFile ? readSecret(secretFile, '--proxy-secret-file') : undefined;
  if (modes.has('neutron-proxy') && !proxySecret) {
    throw new ConfigError('identify=neutron-proxy needs --proxy-secret-file holding a non-empty shared secret');
  }
  const keyFile = one('imds-token-key-file');
  let tokenKey: Buffer | undefined;
  if (keyFile) {
    tokenKey = Buffer.from(readSecret(keyFile, '--imds-token-key-file'), 'utf8');
    if (tokenKey.length < 16) throw new ConfigError('--imds-token-key-file must hold at least 16 bytes');
  }
  const rate = number(one('rate-limit') ?? '50', '--rate-limit', 0, 1e6);
  const burst = number(one('rate-limit-burst') ?? '200', '--rate-limit-burst', 1, 1e9);
  const viewCache = number(one('view-cache') ?? String(DEFAULT_VIEW_CACHE), '--view-cache', 1, 1e8);
  const region = one('region') ?? 'RegionOne';
  if (!/^[\w.-]{1,64}$/.test(region)) throw new ConfigError(`--region: ${JSON.stringify(region)} is not a region name`);
  return {
    region,
    trustedProxies,
    proxySecret,
    rateLimit: rate > 0 ? { rate, burst } : undefined,
    tokenKey,
    viewCache: Math.floor(viewCache),
    listen,
    controlListen,
    db,
    workers,
    stateDir,
    controlTokenFile: one('control-token-file') ?? join(stateDir, 'control-token'),
    dhcpDomain,
    vendorData: vendorDataFile ? loadVendorData(vendorDataFile) : {},
    vendorDataFile,
    accessLog,
    pidFile: one('pid-file'),
    configFile,
  };
}
