// rsyslog: writes rsyslog drop-ins from `configs` (strings or {filename, content}) and from
// `remotes` (name: "[match] [@|@@]host[:port]" forwarding lines), then reloads rsyslog through the
// distro's service tool or `service_reload_command`. The legacy top-level list form is read too.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { manageService } from '../distros/service.js';
import { isDict, pyTypeName } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { runChecked } from './run-checked.js';

const DEF_FILENAME = '20-cloud-config.conf';
const DEF_DIR = '/etc/rsyslog.d';
const DEF_RELOAD = 'auto';
const HOST_PORT_RE = /^(?<proto>@{0,2})(?:\[(?<bracket>[^\]]*)\]|(?<addr>[^:]*))(?::(?<port>[0-9]+))?$/;

interface RsyslogCfg {
  configs: unknown[];
  config_dir: string;
  config_filename: string;
  service_reload_command: string | unknown[];
  remotes: Record<string, unknown>;
}

const PY_TYPES: Record<string, string> = { list: "<class 'list'>", str: "<class 'str'>", dict: "<class 'dict'>" };

export function loadRsyslogConfig(cfg: Record<string, unknown>, warn: (m: string) => void): RsyslogCfg {
  let my: Record<string, unknown> = isDict(cfg.rsyslog) ? { ...cfg.rsyslog } : {};
  if (Array.isArray(cfg.rsyslog)) {
    warn('DEPRECATION: This rsyslog list format is deprecated and will be removed in a future version of cloud-init. Use documented keys.');
    my = { configs: cfg.rsyslog };
    if ('rsyslog_filename' in cfg) my.config_filename = cfg.rsyslog_filename;
    if ('rsyslog_dir' in cfg) my.config_dir = cfg.rsyslog_dir;
  }
  const fill: [keyof RsyslogCfg, unknown, string[]][] = [
    ['configs', [], ['list']],
    ['config_dir', DEF_DIR, ['str']],
    ['config_filename', DEF_FILENAME, ['str']],
    ['service_reload_command', DEF_RELOAD, ['str', 'list']],
    ['remotes', {}, ['dict']],
  ];
  for (const [key, def, types] of fill) {
    if (!(key in my)) my[key] = def;
    else if (!types.includes(pyTypeName(my[key]))) {
      const want = types.length === 1 ? PY_TYPES[types[0] as string] : `(${types.map((t) => PY_TYPES[t]).join(', ')})`;
      throw new Error(`Invalid type for key \`${key}\`. Expected type(s): ${want}. Current type: <class '${pyTypeName(my[key])}'>`);
    }
  }
  return my as unknown as RsyslogCfg;
}

/** One `remotes` entry as an rsyslog forwarding line: "*.* @@host:port # name". */
export function remoteLine(line: string, name?: string): string {
  let data = line;
  let comment: string | undefined;
  const m = /[ ]*#+[ ]*/.exec(line);
  if (m) {
    const parts = line.split(/[ ]*#+[ ]*/);
    if (parts.length === 2) {
      data = parts[0] as string;
      comment = (parts[1] as string).trim();
    }
  }
  const toks = data.trim().split(/\s+/).filter(Boolean);
  let match: string | undefined;
  let hostPort: string;
  if (toks.length === 1) hostPort = data;
  else if (toks.length === 2) [match, hostPort] = toks as [string, string];
  else throw new Error(`line had multiple spaces: ${data}`);
  const hp = HOST_PORT_RE.exec(hostPort);
  if (!hp?.groups) throw new Error(`Invalid host specification '${hostPort}'`);
  const addr = hp.groups.addr || hp.groups.bracket;
  if (!addr) throw new Error('address is required');
  if (addr.startsWith('[') && !addr.endsWith(']')) throw new Error(`host spec had invalid brackets: ${addr}`);
  const label = name || comment;
  const proto = hp.groups.proto === '@@' ? 'tcp' : 'udp';
  let buf = `${match || '*.*'} ${proto === 'tcp' ? '@@' : '@'}${addr.includes(':') ? `[${addr}]` : addr}`;
  if (hp.groups.port && parseInt(hp.groups.port, 10)) buf += `:${parseInt(hp.groups.port, 10)}`;
  if (label) buf += ` # ${label}`;
  return buf;
}

function remotesToConfig(ctx: ModuleContext, remotes: Record<string, unknown>): string | undefined {
  if (!Object.keys(remotes).length) return undefined;
  const lines = ['# begin remotes'];
  for (const [name, line] of Object.entries(remotes)) {
    if (!line) continue;
    try {
      lines.push(remoteLine(pyStr(line), name));
    } catch (e) {
      ctx.log('WARNING', `failed loading remote ${name}: ${pyStr(line)} [${(e as Error).message}]`);
    }
  }
  lines.push('# end remotes');
  return `${lines.join('\n')}\n`;
}

/** Writes the configs (each file truncated the first time it is named, appended after); returns the files. */
async function applyChanges(ctx: ModuleContext, configs: unknown[], defName: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const [i, ent] of configs.entries()) {
    let content: string;
    let filename: string;
    if (isDict(ent)) {
      if (!('content' in ent)) {
        ctx.log('WARNING', `No 'content' entry in config entry ${i + 1}`);
        continue;
      }
      content = pyStr(ent.content);
      filename = 'filename' in ent ? pyStr(ent.filename) : defName;
    } else {
      content = pyStr(ent);
      filename = defName;
    }
    filename = filename.trim();
    if (!filename) {
      ctx.log('WARNING', `Entry ${i + 1} has an empty filename`);
      continue;
    }
    const path = filename.startsWith('/') ? filename : `${dir.replace(/\/$/, '')}/${filename}`;
    const text = content.endsWith('\n') ? content : `${content}\n`;
    try {
      if (!files.includes(path)) {
        files.push(path);
        await ctx.host.fs.writeFile(path, text, { mode: 0o644 });
      } else {
        await ctx.host.fs.appendFile(path, text, { mode: 0o644 });
      }
    } catch (e) {
      ctx.log('WARNING', `Failed to write to ${path}: ${(e as Error).message}`);
    }
  }
  return files;
}

export const rsyslog: ModuleDef = {
  name: 'rsyslog',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['rsyslog'],
  async run(ctx) {
    if (!('rsyslog' in ctx.cfg)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'rsyslog' key in configuration`);
      return;
    }
    const my = loadRsyslogConfig(ctx.cfg, (m) => ctx.log('WARNING', m));
    const configs = [...my.configs];
    if (Object.keys(my.remotes).length) configs.push(remotesToConfig(ctx, my.remotes));
    if (!configs.length) {
      ctx.log('DEBUG', "Empty config rsyslog['configs'], nothing to do");
      return;
    }
    const changes = await applyChanges(ctx, configs, my.config_filename, my.config_dir);
    if (!changes.length) {
      ctx.log('DEBUG', 'restart of syslog not necessary, no changes made');
      return;
    }
    let restarted = false;
    if (my.service_reload_command === DEF_RELOAD) {
      const svc = typeof (ctx.cfg.system_info as Record<string, unknown> | undefined)?.rsyslog_svcname === 'string' ? String((ctx.cfg.system_info as Record<string, unknown>).rsyslog_svcname) : 'rsyslog';
      restarted = (await manageService(ctx.host, ctx.distro, 'try-reload', svc)).code === 0;
    } else {
      const cmd = my.service_reload_command;
      try {
        // a string is one program name, not a shell line (cloud-init runs it without a shell)
        await runChecked(ctx.host, typeof cmd === 'string' ? [cmd] : cmd.map(pyStr));
        restarted = true;
      } catch {
        restarted = false;
      }
    }
    if (!restarted) {
      ctx.log('WARNING', 'Failed to reload syslog');
      return;
    }
    ctx.log('DEBUG', `${ctx.name} configured ${JSON.stringify(changes)} files`);
  },
};
