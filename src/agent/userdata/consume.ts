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

  for (const part of parts) {
    const ctype = part.contentType;
    if (ctx.excluded?.includes(ctype)) {
      log('DEBUG', `content_type "${ctype}" is excluded`);
      continue;
    }
    try {
      switch (ctype) {
        case 'text/cloud-config': {
          let y: unknown;
          try {
            y = loadYaml(part.payload.toString('utf8'));
          } catch (e) {
            // never echo the content: it may hold passwords (CVE-2022-2084)
            log('WARNING', `Failed loading yaml blob from ${part.filename}: ${(e as Error).message.split('\n')[0]}`);
            y = undefined;
          }
          if (!isDict(y)) {
            log('WARNING', `Failed at merging in cloud config part from ${part.filename}: empty cloud config`);
            break;
          }
          const fromYaml = extractMergers(y);
          const header = getHeader(part.headers, 'Merge-Type') || getHeader(part.headers, 'X-Merge-Type') || '';
          const specs = [...fromYaml, ...(header ? parseMergeString(header) : [])];
          const cfg = { ...y };
          const hadHow = cfg.merge_how !== undefined && cfg.merge_how !== null;
          delete cfg.merge_how;
          if (!hadHow) delete cfg.merge_type;
          if (buf === undefined || names.length === 0) buf = {};
          const merger = constructMerger(specs.length ? specs : parseMergeString(USERDATA_MERGE));
          log('DEBUG', `Merging by applying ${JSON.stringify((specs.length ? specs : parseMergeString(USERDATA_MERGE)).map((s) => [s.name, s.opts]))}`);
          buf = merger.merge(buf, cfg) as Record<string, unknown>;
          names.push(part.filename.replace(/[\n\r\t]/g, ' ').trim());
          break;
        }
        case 'text/cloud-config-jsonp':
          log('WARNING', `Unhandled content-type (${ctype}) in ${part.filename}: JSON patch parts are not supported`);
          break;
        case 'text/x-shellscript': {
          const p = `${scriptDir}/${cleanFilename(part.filename)}`;
          await host.fs.writeFile(p, dos2unix(part.payload), { mode: 0o700 });
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
        case 'text/jinja2':
          log('WARNING', `Unhandled content-type (${ctype}) in ${part.filename}: jinja templates are not supported yet`);
          break;
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
