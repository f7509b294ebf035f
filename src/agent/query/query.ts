// The query verb's work: which instance-data file this user may read, user-data and vendor-data
// added (decoded, gunzipped, or ci-b64: when binary) for root only, then the whole tree, one key,
// its key list, or a Jinja format rendered against it.
import { RootedFs } from '../host/rooted-fs.js';
import type { Host } from '../host/host.js';
import { Paths } from '../state/paths.js';
import { readBaseConfig } from '../config/load.js';
import { jsonDumps } from '../state/status.js';
import { renderJinja } from '../template/jinja.js';
import { zlib } from '../host/lazy-builtins.js';
import { convertInstanceData, findLeaf } from './instance-data-vars.js';

type Dict = Record<string, unknown>;

export interface QueryArgs {
  varname?: string;
  all: boolean;
  listKeys: boolean;
  format?: string;
  instanceData?: string;
  userData?: string;
  vendorData?: string;
  debug: boolean;
  usage: string;
}

const REDACT = 'redacted for non-root user';

function quietHost(root: string): Host {
  return { fs: new RootedFs(root), log: { log() {} } } as unknown as Host;
}

/** load_userdata: text, else gunzipped text, else the bytes as ci-b64:. */
export function loadUserdata(buf: Buffer): string {
  const asText = (b: Buffer) => {
    const t = b.toString('utf8');
    return Buffer.from(t, 'utf8').equals(b) ? t : undefined;
  };
  const t = asText(buf);
  if (t !== undefined) return t;
  try {
    const g = zlib().gunzipSync(buf);
    const gt = asText(g);
    if (gt !== undefined) return gt;
  } catch {
    // not gzip
  }
  return `ci-b64:${buf.toString('base64')}`;
}

const err = (m: string) => process.stderr.write(`ERROR: ${m}\n`);

async function cfgPaths(host: Host): Promise<Paths> {
  try {
    const cfg = await readBaseConfig(host);
    const si = cfg.system_info as Dict | undefined;
    return new Paths((si?.paths as Dict | undefined) ?? {});
  } catch {
    return new Paths();
  }
}

export async function readInstanceData(host: Host, a: QueryArgs, uid: number): Promise<Dict | undefined> {
  const paths = await cfgPaths(host);
  let file = a.instanceData;
  if (!file) {
    const redacted = paths.runpath('instance_data');
    file = redacted;
    if (uid === 0) {
      const sensitive = paths.runpath('instance_data_sensitive');
      if (await host.fs.exists(sensitive)) file = sensitive;
      else process.stderr.write(`WARNING: Missing root-readable ${sensitive}. Using redacted ${redacted} instead.\n`);
    }
  }
  const udFile = a.userData ?? `${paths.instanceLink}/user-data.txt`;
  const vdFile = a.vendorData ?? `${paths.instanceLink}/vendor-data.txt`;
  let text: string;
  try {
    text = await host.fs.readText(file.startsWith('/') ? file : `${process.cwd()}/${file}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') err(`No read permission on '${file}'. Try sudo`);
    else err(`Missing instance-data file: ${file}`);
    return undefined;
  }
  let data: Dict;
  try {
    data = JSON.parse(text) as Dict;
  } catch (e) {
    err(`Invalid JSON in ${file}: ${(e as Error).message}`);
    return undefined;
  }
  if (uid !== 0) {
    data.userdata = `<${REDACT}> file:${udFile}`;
    data.vendordata = `<${REDACT}> file:${vdFile}`;
  } else {
    for (const [key, f] of [['userdata', udFile], ['vendordata', vdFile]] as const) {
      try {
        data[key] = loadUserdata(await host.fs.readFile(f.startsWith('/') ? f : `${process.cwd()}/${f}`));
      } catch {
        err(`Missing ${key === 'userdata' ? 'user-data' : 'vendor-data'} file: ${f}`);
        return undefined;
      }
    }
  }
  return data;
}

export async function runQuery(a: QueryArgs, root = process.env.KINDLING_INIT_ROOT || '/', uid = process.getuid?.() ?? 0): Promise<number> {
  if (!a.listKeys && !a.varname && !a.format && !a.all) {
    err('Expected one of the options: --all, --format, --list-keys or varname');
    process.stderr.write(`${a.usage}\n`);
    return 1;
  }
  const host = quietHost(root);
  const data = await readInstanceData(host, a, uid);
  if (!data) return 1;
  if (a.format) {
    const vars = convertInstanceData(data, { aliases: true, decodePaths: (data['base64-encoded-keys'] as string[] | undefined) ?? [] });
    let rendered: string;
    try {
      rendered = renderJinja(a.format, vars);
    } catch (e) {
      process.stderr.write(`WARNING: Ignoring jinja template for query commandline: ${(e as Error).message}\n`);
      return 1;
    }
    const missing = [...rendered.matchAll(/CI_MISSING_JINJA_VAR\/(\S+)/g)].map((m) => `'${m[1]}'`);
    if (missing.length) process.stderr.write(`WARNING: Could not render jinja template variables in file 'query commandline': ${missing.join(', ')}\n`);
    if (!rendered) return 1;
    process.stdout.write(`${rendered}\n`);
    return 0;
  }
  let response: unknown = convertInstanceData(data);
  if (a.varname) {
    try {
      response = findLeaf(response as Dict, convertInstanceData(data, { aliases: true }), a.varname);
    } catch (e) {
      err((e as Error).message);
      return 1;
    }
  }
  if (a.listKeys) {
    if (!response || typeof response !== 'object' || Array.isArray(response)) {
      err(`--list-keys provided but '${a.varname}' is not a dict`);
      return 1;
    }
    response = Object.keys(response).sort().join('\n');
  }
  process.stdout.write(typeof response === 'string' ? `${response}\n` : jsonDumps(response));
  return 0;
}
