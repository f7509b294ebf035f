// ntp: configures the NTP client (chrony, systemd-timesyncd, ntp, ntpdate, openntpd, or one the
// user describes under ntp.config) with `servers` and `pools` (default: the distro's four
// pool.ntp.org pools), installs it when its executable is missing, and reloads its service. The
// client is the user's choice, else system_info.ntp_client, else the first of the distro's
// preferred clients that is installed, else the first preferred one. An existing config file is
// kept as <file>.dist. Templates come from the image's /etc/cloud/templates (as cloud-init's),
// with built-in ones for images that have none.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { isDict, isFalse, pyTypeName } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { which } from './which.js';
import { ProcessError } from './run-checked.js';
import { manageService } from '../distros/service.js';
import { installPackages } from '../distros/packages.js';
import { packageContext } from './package-context.js';
import { renderString } from '../template/render-string.js';
import { DISTRO_PREFERRED, PREFERRED_NTP_CLIENTS, distroNtpClientConfigs, generateServerNames, type NtpClientConfig } from './ntp-clients.js';
import { BUILTIN_NTP_TEMPLATES } from './ntp-templates.js';

const REQUIRED = ['check_exe', 'confpath', 'packages', 'service_name'];

async function selectClient(ctx: ModuleContext, requested: unknown): Promise<NtpClientConfig> {
  const table = distroNtpClientConfigs(ctx.distro.name);
  if (requested && requested !== 'auto') {
    ctx.log('DEBUG', `Selected NTP client "${pyStr(requested)}" via user-data configuration`);
    return { ...(table[pyStr(requested)] ?? {}) };
  }
  const si = isDict(ctx.cfg.system_info) ? ctx.cfg.system_info : {};
  const distroClient = si.ntp_client ?? 'auto';
  if (distroClient !== 'auto') {
    ctx.log('DEBUG', `Selected NTP client "${pyStr(distroClient)}" via distro system config`);
    return { ...(table[pyStr(distroClient)] ?? {}) };
  }
  const preferred = DISTRO_PREFERRED[ctx.distro.name] ?? PREFERRED_NTP_CLIENTS;
  for (const client of preferred) {
    const c = table[client] as NtpClientConfig;
    if (await which(ctx.host, c.check_exe ?? '')) {
      ctx.log('DEBUG', `Selected NTP client "${client}", already installed`);
      return { ...c };
    }
  }
  ctx.log('DEBUG', `Selected distro preferred NTP client "${preferred[0]}", not yet installed`);
  return { ...(table[preferred[0] as string] as NtpClientConfig) };
}

/** supplemental_schema_validation: clear errors for a user-described client. */
export function validateClientConfig(c: Record<string, unknown>): void {
  const errors: string[] = [];
  const missing = REQUIRED.filter((k) => !(k in c)).sort();
  if (missing.length) errors.push(`Missing required ntp:config keys: ${missing.join(', ')}`);
  else if (!c.template && !c.template_name) errors.push('Either ntp:config:template or ntp:config:template_name values are required');
  for (const key of Object.keys(c).sort()) {
    const v = c[key];
    const kp = `ntp:config:${key}`;
    if (key === 'confpath') {
      if (!v || typeof v !== 'string') errors.push(`Expected a config file path ${kp}. Found (${pyStr(v)})`);
    } else if (key === 'packages') {
      if (!Array.isArray(v)) errors.push(`Expected a list of required package names for ${kp}. Found (${pyStr(v)})`);
    } else if (key === 'template' || key === 'template_name') {
      if (v !== null && v !== undefined && typeof v !== 'string') errors.push(`Expected a string type for ${kp}. Found (${pyStr(v)})`);
    } else if (typeof v !== 'string') errors.push(`Expected a string type for ${kp}. Found (${pyStr(v)})`);
  }
  if (errors.length) throw new Error(`Invalid ntp configuration:\\n${errors.join('\n')}`);
}

async function templateText(ctx: ModuleContext, c: NtpClientConfig): Promise<string> {
  if (c.template) return String(c.template);
  const name = String(c.template_name).replace('{distro}', ctx.distro.name);
  const file = `${ctx.paths.templatesDir.replace(/\/+$/, '')}/${name}.tmpl`;
  const text = await ctx.host.fs.readTextIfExists(file).catch(() => undefined);
  if (text !== undefined) {
    ctx.log('DEBUG', `Rendering content of '${file}' using renderer jinja`);
    return text;
  }
  const builtin = BUILTIN_NTP_TEMPLATES[name.split('.')[0] as string];
  if (!builtin) throw new Error(`No template found, not rendering ${String(c.template_name)}`);
  ctx.log('DEBUG', `${file} not found: using kindling-init's built-in ${name} template`);
  return builtin;
}

export const ntp: ModuleDef = {
  name: 'ntp',
  frequency: PER_INSTANCE,
  distros: ['almalinux', 'alpine', 'centos', 'cloudlinux', 'cos', 'debian', 'eurolinux', 'fedora', 'freebsd', 'mariner', 'miraclelinux', 'openbsd', 'openEuler', 'openmandriva', 'opensuse', 'photon', 'rhel', 'rocky', 'sles', 'ubuntu', 'virtuozzo'],
  activateBy: ['ntp'],
  async run(ctx) {
    if (!('ntp' in ctx.cfg)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, not present or disabled by cfg`);
      return;
    }
    const ntpCfg = ctx.cfg.ntp ?? {};
    if (!isDict(ntpCfg)) throw new Error(`'ntp' key existed in config, but not a dictionary type, is a ${pyTypeName(ntpCfg)} instead`);
    if (isFalse(ntpCfg.enabled ?? true)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, disabled by cfg`);
      return;
    }
    const client: NtpClientConfig = { ...(await selectClient(ctx, ntpCfg.ntp_client)), ...(isDict(ntpCfg.config) ? ntpCfg.config : {}) };
    validateClientConfig(client);
    const confpath = client.confpath as string;
    if (await ctx.host.fs.exists(confpath)) await ctx.host.fs.rename(confpath, `${confpath}.dist`);
    const tpl = await templateText(ctx, client);
    let servers = Array.isArray(ntpCfg.servers) ? ntpCfg.servers.map(pyStr) : [];
    let pools = Array.isArray(ntpCfg.pools) ? ntpCfg.pools.map(pyStr) : [];
    const distro = ctx.distro.name;
    if (!(servers.length === 0 && pools.length === 0 && distro === 'cos')) {
      if (servers.length === 0 && distro === 'alpine' && client.service_name === 'ntpd') {
        // busybox ntpd knows servers only
        servers = generateServerNames(distro);
        ctx.log('DEBUG', `Adding distro default ntp servers: ${servers.join(',')}`);
      } else if (servers.length === 0 && pools.length === 0) {
        pools = generateServerNames(distro);
        ctx.log('DEBUG', `Adding distro default ntp pool servers: ${pools.join(',')}`);
      }
      await ctx.host.fs.writeFile(confpath, renderString(tpl, { servers, pools }), { mode: 0o644 });
    }
    if (!(await which(ctx.host, client.check_exe ?? 'ntpd'))) await installPackages(packageContext(ctx), client.packages ?? ['ntp']);
    const r = await manageService(ctx.host, ctx.distro, 'reload', client.service_name as string);
    if (r.code !== 0 || r.result.error) {
      const err = new ProcessError(r.argv, r.result);
      ctx.log('ERROR', `Failed to reload/start ntp service: ${err.message}`);
      throw err;
    }
  },
};
