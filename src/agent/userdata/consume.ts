// Runs the part handlers over processed user-data or vendor-data, as cloud-init's consume_data:
// cloud-config parts are merged (dict(replace)+list()+str() unless a part says otherwise) into
// cloud-config.txt; scripts are written for scripts_user / scripts_vendor; per-boot, per-instance
// and per-once scripts go to /var/lib/cloud/scripts/; boothooks are saved and run at once.
// Every failure is logged against its part; the other parts still run.
import type { Host } from '../host/host.js';
import type { Paths } from '../state/paths.js';
import type { UserDataPart } from './process.js';
import { getHeader } from './mime.js';
import { constructMerger, extractMergers, parseMergeString, USERDATA_MERGE } from '../config/mergers.js';
import { isDict, loadYaml } from '../config/yaml.js';
import { dumpsLikePyYaml } from '../config/yaml-dump.js';
import { typeFromStartsWith } from './types.js';
import { renderJinja } from '../template/jinja.js';

export type DataKind = 'userdata' | 'vendordata' | 'vendordata2';

export interface ConsumeContext {
  host: Host;
  paths: Paths;
  iid: string;
  kind: DataKind;
  /** Content types not to handle (vendor_data.disabled_handlers). */
  excluded?: string[];
}

/** cloud-init's clean_filename: no path separators, no control characters. */
export function cleanFilename(fn: string): string {
  return fn.replace(/\//g, '_').replace(/[\x00-\x1f\x7f]/g, '').replace(/^\.+$/, '_') || 'part';
}

function dos2unix(b: Buffer): Buffer {
  const t = b.toString('utf8');
  const firstEol = t.indexOf('\n');
  if (firstEol > 0 && t[firstEol - 1] === '\r') return Buffer.from(t.replace(/\r\n/g, '\n'), 'utf8');
  return b;
}

function preview(b: Buffer): string {
  const first = b.subarray(0, 96).toString('utf8').split('\n')[0]?.slice(0, 24) ?? '';
  return JSON.stringify(first).slice(1, -1);
}

export async function consumeParts(ctx: ConsumeContext, parts: UserDataPart[]): Promise<void> {
  const { host, paths, iid } = ctx;
  const cloudConfigFile = paths.ipath(iid, ctx.kind === 'userdata' ? 'cloud_config' : ctx.kind === 'vendordata' ? 'vendor_cloud_config' : 'vendor2_cloud_config');
  const scriptDir = ctx.kind === 'userdata' ? paths.ipath(iid, 'scripts') : paths.ipath(iid, 'vendor_scripts');
  let buf: Record<string, unknown> | undefined;
  const names: string[] = [];
  const log = (level: 'DEBUG' | 'WARNING', msg: string) => host.log.log(level, 'handlers', msg);

  const mergeCloudConfig = (text: string, part: UserDataPart): void => {
    // as cloud-init: the first part (or one after only failed ones) starts from {}, even if it fails
    if (buf === undefined || names.length === 0) buf = {};
    let y: unknown;
    try {
      y = loadYaml(text);
    } catch (e) {
      // never echo the content: it may hold passwords (CVE-2022-2084)
      log('WARNING', `Failed loading yaml blob from ${part.filename}: ${(e as Error).message.split('\n')[0]}`);
      y = undefined;
    }
    if (!isDict(y)) {
      log('WARNING', `Failed at merging in cloud config part from ${part.filename}: empty cloud config`);
      return;
    }
    const fromYaml = extractMergers(y);
    const header = getHeader(part.headers, 'Merge-Type') || getHeader(part.headers, 'X-Merge-Type') || '';
    const specs = [...fromYaml, ...(header ? parseMergeString(header) : [])];
    const cfg = { ...y };
    const hadHow = cfg.merge_how !== undefined && cfg.merge_how !== null;
    delete cfg.merge_how;
    if (!hadHow) delete cfg.merge_type;
    const used = specs.length ? specs : parseMergeString(USERDATA_MERGE);
    log('DEBUG', `Merging by applying ${JSON.stringify(used.map((m) => [m.name, m.opts]))}`);
    buf = constructMerger(used).merge(buf, cfg) as Record<string, unknown>;
    names.push(part.filename.replace(/[\n\r\t]/g, ' ').trim());
  };
  const writeScript = async (payload: Buffer, part: UserDataPart): Promise<void> => {
    await host.fs.writeFile(`${scriptDir}/${cleanFilename(part.filename)}`, dos2unix(payload), { mode: 0o700 });
  };

  for (const part of parts) {
    const ctype = part.contentType;
    if (ctx.excluded?.includes(ctype)) {
      log('DEBUG', `content_type "${ctype}" is excluded`);
      continue;
    }
    try {
      switch (ctype) {
        case 'text/cloud-config': {
          mergeCloudConfig(part.payload.toString('utf8'), part);
          break;
        }
        case 'text/cloud-config-jsonp':
          log('WARNING', `Unhandled content-type (${ctype}) in ${part.filename}: JSON patch parts are not supported`);
          break;
        case 'text/x-shellscript': {
          await writeScript(part.payload, part);
          break;
        }
        case 'text/x-shellscript-per-boot':
        case 'text/x-shellscript-per-instance':
        case 'text/x-shellscript-per-once': {
          const freq = ctype.slice('text/x-shellscript-'.length);
          const base = part.filename.split('/').pop() ?? part.filename;
          await host.fs.writeFile(`${paths.cpath('scripts')}/${freq}/${cleanFilename(base)}`, dos2unix(part.payload), { mode: 0o700 });
          break;
        }
        case 'text/cloud-boothook': {
          await runBoothook(ctx, part);
          break;
        }
        case 'text/part-handler':
          log('WARNING', `Refusing part-handler ${part.filename}: kindling-init does not run Python part handlers`);
          break;
        case 'text/jinja2': {
          const rendered = await renderJinjaPart(ctx, part);
          if (rendered === undefined) break;
          const sub = typeFromStartsWith(rendered);
          if (sub === 'text/cloud-config') mergeCloudConfig(rendered, part);
          else if (sub === 'text/x-shellscript') await writeScript(Buffer.from(rendered, 'utf8'), part);
          else log('WARNING', `Ignoring jinja template for ${part.filename}. Could not find supported sub-handler for type ${sub ?? 'None'}`);
          break;
        }
        default:
          if (part.payload.length === 0) log('DEBUG', `Empty payload of type ${ctype}`);
          else if (ctype === 'text/x-not-multipart') log('WARNING', `Unhandled non-multipart (${ctype}) userdata: '${preview(part.payload)}...'`);
          else log('WARNING', `Unhandled unknown content-type (${ctype}) userdata: '${preview(part.payload)}...'`);
      }
    } catch (e) {
      log('WARNING', `Failed calling handler for ${ctype} part ${part.filename}: ${(e as Error).message}`);
    }
  }
  // cloud-config.txt is always (re)written, empty when there was no cloud-config part.
  const lines: string[] = [];
  if (buf !== undefined) {
    lines.push('#cloud-config', '');
    if (names.length) {
      lines.push(`# from ${names.length} files`, ...names.map((n) => `# ${n || '?'}`), '');
    }
    lines.push(dumpsLikePyYaml(buf));
  }
  await host.fs.writeFile(cloudConfigFile, lines.join('\n'), { mode: 0o600 });
}

/** instance-data as Jinja variables: v1 keys also at the top, "-" and "." in keys also as "_". */
export function jinjaVars(data: Record<string, unknown>, prefix = '', decode: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const paths = decode.map((p) => p.replace(/-/g, '_'));
  for (const key of Object.keys(data).sort()) {
    const keyPath = prefix ? `${prefix}/${key}` : key;
    let value = data[key];
    if (paths.includes(keyPath) && typeof value === 'string') value = Buffer.from(value, 'base64').toString('utf8');
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = jinjaVars(value as Record<string, unknown>, keyPath, decode);
      if (/^v\d+$/.test(key)) for (const [k, v] of Object.entries(out[key] as Record<string, unknown>)) out[k] = structuredClone(v);
    } else out[key] = value;
    const alias = key.replace(/[-.]/g, '_');
    if (alias !== key) out[alias] = structuredClone(out[key]);
  }
  return out;
}

async function renderJinjaPart(ctx: ConsumeContext, part: UserDataPart): Promise<string | undefined> {
  const { host, paths } = ctx;
  const file = paths.runpath('instance_data_sensitive');
  const text = await host.fs.readTextIfExists(file).catch(() => undefined);
  if (text === undefined) {
    host.log.log('WARNING', 'handlers', `Failed calling handler for text/jinja2 part ${part.filename}: Cannot render jinja template vars. Instance data not yet present at ${file}`);
    return undefined;
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch {
    host.log.log('WARNING', 'handlers', `Failed calling handler for text/jinja2 part ${part.filename}: Loading Jinja instance data failed`);
    return undefined;
  }
  const body = part.payload.toString('utf8').replace(/^[^\n]*\n?/, '');
  let rendered: string;
  try {
    rendered = renderJinja(body, jinjaVars(data, '', (data['base64_encoded_keys'] as string[] | undefined) ?? []));
  } catch (e) {
    host.log.log('WARNING', 'handlers', `Ignoring jinja template for ${part.filename}: ${(e as Error).message}`);
    return undefined;
  }
  const missing = [...rendered.matchAll(/CI_MISSING_JINJA_VAR\/(\S+)/g)].map((m) => `'${m[1]}'`);
  if (missing.length) host.log.log('WARNING', 'handlers', `Could not render jinja template variables in file '${part.filename}': ${missing.join(', ')}`);
  return rendered || undefined;
}

async function runBoothook(ctx: ConsumeContext, part: UserDataPart): Promise<void> {
  const { host, paths, iid } = ctx;
  const body = dos2unix(part.payload).toString('utf8');
  // the #cloud-boothook line is stripped; what remains runs as a script
  const script = body.replace(/^\s*#cloud-boothook[^\n]*\n?/i, '');
  const p = `${paths.ipath(iid, 'boothooks')}/${cleanFilename(part.filename)}`;
  await host.fs.writeFile(p, script, { mode: 0o700 });
  const r = await host.run([p], { env: { INSTANCE_ID: iid }, capture: false });
  if (r.code !== 0) host.log.log('WARNING', 'handlers', `Boothook ${part.filename} failed (exit ${r.code}${r.error ? `: ${r.error}` : ''})`);
}
