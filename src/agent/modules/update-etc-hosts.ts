// update_etc_hosts: manage_etc_hosts true renders /etc/hosts from the distro's hosts template
// (the image's templates_dir/hosts.<family>.tmpl, or kindling-init's own when the image has none);
// `localhost` only makes sure 127.0.0.1 maps to the FQDN and hostname, keeping everything else.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { getHostnameFqdn } from '../hostname/hostname.js';
import { HostsConf } from '../hostname/hosts-conf.js';
import { renderJinja, templateHeader } from '../template/jinja.js';
import { renderTemplateString } from './template-string.js';
import { CLOUD_INIT_COMPAT_VERSION } from '../version.js';
import { rfc2822Now } from './time-format.js';

const FAMILY_TEMPLATE: Record<string, string> = { debian: 'debian', redhat: 'redhat', suse: 'suse', alpine: 'alpine', arch: 'arch', gentoo: 'gentoo', freebsd: 'freebsd' };

// Used only when the image has no hosts template (cloud-init not installed).
const BUILTIN_HOSTS: Record<string, string> = {
  debian: `## template:jinja
# This file is generated from the instance's hostname because manage_etc_hosts is true.
# Edits are overwritten at every boot: change the hostname or manage_etc_hosts in cloud-config.
127.0.1.1 {{fqdn}} {{hostname}}
127.0.0.1 localhost

# IPv6
::1 localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`,
  redhat: `## template:jinja
# This file is generated from the instance's hostname because manage_etc_hosts is true.
# Edits are overwritten at every boot: change the hostname or manage_etc_hosts in cloud-config.
127.0.0.1 {{fqdn}} {{hostname}}
127.0.0.1 localhost.localdomain localhost
127.0.0.1 localhost4.localdomain4 localhost4

::1 {{fqdn}} {{hostname}}
::1 localhost6.localdomain6 localhost6
`,
};

function translateBool(v: unknown, addons: string[] = []): boolean {
  if (v === true) return true;
  if (typeof v === 'string') return ['true', '1', 'on', 'yes', ...addons].includes(v.toLowerCase());
  return false;
}

export const updateEtcHosts: ModuleDef = {
  name: 'update_etc_hosts',
  frequency: PER_ALWAYS,
  distros: 'all',
  activateBy: ['manage_etc_hosts'],
  async run(ctx) {
    const manage = ctx.cfg.manage_etc_hosts;
    const hostsFn = '/etc/hosts';
    if (translateBool(manage, ['template'])) {
      if (manage === 'template') ctx.log('WARNING', "DEPRECATED: please use manage_etc_hosts: true instead of 'template'");
      const { hostname, fqdn } = await getHostnameFqdn(ctx.host, ctx.cfg, ctx.ds?.metadata);
      if (!hostname) {
        ctx.log('WARNING', "Option 'manage_etc_hosts' was set, but no hostname was found");
        return;
      }
      const fam = FAMILY_TEMPLATE[ctx.distro.info.osFamily] ?? ctx.distro.info.osFamily;
      const tplPath = `${ctx.paths.templatesDir.replace(/\/+$/, '')}/hosts.${fam}.tmpl`;
      let tpl = await ctx.host.fs.readTextIfExists(tplPath);
      if (tpl === undefined) {
        tpl = BUILTIN_HOSTS[fam];
        if (tpl === undefined) throw new Error(`No hosts template could be found for distro ${ctx.distro.info.osFamily}`);
        ctx.log('DEBUG', `${tplPath} not found: using kindling-init's built-in hosts template`);
      }
      const vars = { hostname, fqdn: fqdn ?? hostname };
      const { engine, body } = templateHeader(tpl);
      const text = engine === 'jinja' ? renderJinja(body, vars) : renderTemplateString(body, vars);
      await ctx.host.fs.writeFile(hostsFn, text, { mode: 0o644 });
      return;
    }
    if (manage === 'localhost') {
      const { hostname, fqdn } = await getHostnameFqdn(ctx.host, ctx.cfg, ctx.ds?.metadata);
      if (!hostname) {
        ctx.log('WARNING', "Option 'manage_etc_hosts' was set, but no hostname was found");
        return;
      }
      ctx.log('DEBUG', `Managing localhost in ${hostsFn}`);
      const existing = await ctx.host.fs.readTextIfExists(hostsFn);
      const eh = new HostsConf(existing ?? '');
      const header = existing === undefined ? `# Added by cloud-init v. ${CLOUD_INIT_COMPAT_VERSION} on ${rfc2822Now()}` : '';
      const ip = ctx.distro.info.localhostIp;
      const prev = eh.getEntry(ip);
      let change = false;
      if (!prev.length) {
        eh.addEntry(ip, fqdn ?? hostname, hostname);
        change = true;
      } else {
        change = true;
        for (const e of prev) if (e[0] === fqdn && e.slice(1).includes(hostname)) change = false;
        if (change) {
          const entries = [...prev, [fqdn ?? hostname, hostname]];
          eh.delEntries(ip);
          for (const e of entries) if (e.length >= 1) eh.addEntry(ip, e[0] as string, ...e.slice(1));
        }
      }
      if (change) await ctx.host.fs.writeFile(hostsFn, `${header ? `${header}\n` : ''}${eh.toString()}\n`, { mode: 0o644 });
      return;
    }
    ctx.log('DEBUG', `Configuration option 'manage_etc_hosts' is not set, not managing ${hostsFn} in module ${ctx.name}`);
  },
};
