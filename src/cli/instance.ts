// `kindling instance ...`: the registry from the command line, through the control API.
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError, controlClient, failure, type ControlClient } from './control-client.js';

const USAGE = `Usage:
  kindling instance create --file FILE|-          create from JSON (the body of POST /v1/instances)
  kindling instance list [--project ID] [--address IP|MAC] [--limit N] [--marker UUID] [--json]
  kindling instance show UUID
  kindling instance update UUID (--file FILE|- | --set FIELD=VALUE ...)
                                                  merge-patch fields; VALUE is JSON, else text; null clears
  kindling instance delete UUID
  kindling instance user-data get UUID [--output FILE]
  kindling instance user-data set UUID (--file FILE|-)   raw bytes (text, gzip, MIME...)
  kindling instance user-data clear UUID
  kindling instance password get|clear UUID

The control API is found through KINDLING_URL (default http://127.0.0.1:8776) and the token through
KINDLING_TOKEN, else the token file kindling serve wrote on this host.
`;

interface Parsed {
  positional: string[];
  opts: Map<string, string[]>;
}

function parse(argv: string[], valued: string[], flags: string[] = []): Parsed {
  const positional: string[] = [];
  const opts = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (flags.includes(name)) {
        opts.set(name, ['true']);
        continue;
      }
      if (!valued.includes(name)) throw new CliError(`unknown option --${name}\n\n${USAGE}`, 2);
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new CliError(`--${name} needs a value`, 2);
      opts.set(name, [...(opts.get(name) ?? []), v]);
    } else positional.push(a);
  }
  return { positional, opts };
}

function readInput(file: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
}

function readJson(file: string): unknown {
  const text = readInput(file).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`, 2);
  }
}

function one(p: Parsed, what: string): string {
  if (p.positional.length !== 1) throw new CliError(`expected one ${what}\n\n${USAGE}`, 2);
  return p.positional[0]!;
}

async function ok(res: Response): Promise<Response> {
  if (!res.ok) throw await failure(res);
  return res;
}

const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
const enc = encodeURIComponent;

function setValue(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new CliError(`--set wants FIELD=VALUE, not ${JSON.stringify(text)}`, 2);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    /* plain text */
  }
  return [text.slice(0, eq), value];
}

async function list(c: ControlClient, p: Parsed): Promise<void> {
  const q = new URLSearchParams();
  const project = p.opts.get('project')?.[0];
  const address = p.opts.get('address')?.[0];
  const limit = p.opts.get('limit')?.[0];
  let marker = p.opts.get('marker')?.[0];
  if (project) q.set('project_id', project);
  if (address) q.set('address', address);
  const all: Record<string, unknown>[] = [];
  const wantAll = limit === undefined;
  for (;;) {
    const page = new URLSearchParams(q);
    page.set('limit', limit ?? '1000');
    if (marker) page.set('marker', marker);
    const body = (await (await ok(await c.request('GET', `/v1/instances?${page}`))).json()) as { instances: Record<string, unknown>[]; next_marker: string | null };
    all.push(...body.instances);
    if (!wantAll || !body.next_marker) break;
    marker = body.next_marker;
  }
  if (p.opts.has('json')) {
    print(all);
    return;
  }
  const rows = all.map((i) => [
    String(i.uuid), String(i.name), String(i.hostname), String(i.project_id || '-'),
    ((i.addresses as { ip?: string; mac?: string }[]) ?? []).map((a) => [a.ip, a.mac].filter(Boolean).join('/')).join(',') || '-',
  ]);
  const head = ['UUID', 'NAME', 'HOSTNAME', 'PROJECT', 'ADDRESSES'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  for (const r of [head, ...rows]) process.stdout.write(`${r.map((x, k) => (k === r.length - 1 ? x : x.padEnd(widths[k]!))).join('  ')}\n`);
}

export async function instanceCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const c = controlClient();
  switch (sub) {
    case 'create': {
      const p = parse(rest, ['file']);
      const file = p.opts.get('file')?.[0];
      if (!file || p.positional.length) throw new CliError(`create takes --file FILE (or - for standard input)\n\n${USAGE}`, 2);
      print(await (await ok(await c.request('POST', '/v1/instances', { json: readJson(file) }))).json());
      return 0;
    }
    case 'list':
      await list(c, parse(rest, ['project', 'address', 'limit', 'marker'], ['json']));
      return 0;
    case 'show': {
      const id = one(parse(rest, []), 'UUID');
      print(await (await ok(await c.request('GET', `/v1/instances/${enc(id)}`))).json());
      return 0;
    }
    case 'update': {
      const p = parse(rest, ['file', 'set']);
      const id = one(p, 'UUID');
      const file = p.opts.get('file')?.[0];
      const sets = p.opts.get('set') ?? [];
      if (!file === (sets.length === 0)) throw new CliError(`update takes --file FILE or --set FIELD=VALUE (not both)\n\n${USAGE}`, 2);
      const patch = file ? readJson(file) : Object.fromEntries(sets.map(setValue));
      print(await (await ok(await c.request('PATCH', `/v1/instances/${enc(id)}`, { json: patch, contentType: 'application/merge-patch+json' }))).json());
      return 0;
    }
    case 'delete': {
      const id = one(parse(rest, []), 'UUID');
      await ok(await c.request('DELETE', `/v1/instances/${enc(id)}`));
      process.stderr.write(`deleted ${id}\n`);
      return 0;
    }
    case 'user-data': {
      const [op, ...more] = rest;
      if (op === 'get') {
        const p = parse(more, ['output']);
        const id = one(p, 'UUID');
        const bytes = new Uint8Array(await (await ok(await c.request('GET', `/v1/instances/${enc(id)}/user-data`))).arrayBuffer());
        const out = p.opts.get('output')?.[0];
        if (out && out !== '-') writeFileSync(out, bytes);
        else process.stdout.write(bytes);
        return 0;
      }
      if (op === 'set') {
        const p = parse(more, ['file']);
        const id = one(p, 'UUID');
        const file = p.opts.get('file')?.[0] ?? '-';
        await ok(await c.request('PUT', `/v1/instances/${enc(id)}/user-data`, { raw: new Uint8Array(readInput(file)) }));
        process.stderr.write(`user-data of ${id} replaced\n`);
        return 0;
      }
      if (op === 'clear') {
        const id = one(parse(more, []), 'UUID');
        await ok(await c.request('DELETE', `/v1/instances/${enc(id)}/user-data`));
        process.stderr.write(`user-data of ${id} removed\n`);
        return 0;
      }
      throw new CliError(`user-data takes get, set or clear\n\n${USAGE}`, 2);
    }
    case 'password': {
      const [op, ...more] = rest;
      const id = one(parse(more, []), 'UUID');
      if (op === 'get') {
        const body = (await (await ok(await c.request('GET', `/v1/instances/${enc(id)}/password`))).json()) as { password: string | null };
        if (body.password !== null) process.stdout.write(`${body.password}\n`);
        return 0;
      }
      if (op === 'clear') {
        await ok(await c.request('DELETE', `/v1/instances/${enc(id)}/password`));
        process.stderr.write(`password of ${id} cleared\n`);
        return 0;
      }
      throw new CliError(`password takes get or clear\n\n${USAGE}`, 2);
    }
    default:
      throw new CliError(`unknown instance command ${JSON.stringify(sub)}\n\n${USAGE}`, 2);
  }
}
