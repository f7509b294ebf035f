// ca_certs: adds trusted CA certificates (`trusted`), optionally after removing the distro's
// defaults (`remove_defaults`), then rebuilds the system bundle with the distro's tool. Debian
// family: one file under /usr/share/ca-certificates listed in /etc/ca-certificates.conf,
// update-ca-certificates. RHEL family: an anchor under /usr/share/pki/ca-trust-source,
// update-ca-trust.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { cfgList, isDict, pyTruthy } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { runChecked } from './run-checked.js';

interface CaConfig {
  certPath: string;
  certFilename: string;
  /** The list of enabled certificates (Debian); null where the tool scans a directory. */
  certConfig: string | null;
  systemPath: string;
  updateCmd: string[];
}

const DEFAULT: CaConfig = {
  certPath: '/usr/share/ca-certificates/',
  certFilename: 'cloud-init-ca-certs.crt',
  certConfig: '/etc/ca-certificates.conf',
  systemPath: '/etc/ssl/certs/',
  updateCmd: ['update-ca-certificates'],
};
const REDHAT: CaConfig = {
  certPath: '/usr/share/pki/ca-trust-source/',
  certFilename: 'anchors/cloud-init-ca-certs.crt',
  certConfig: null,
  systemPath: '/etc/pki/ca-trust/',
  updateCmd: ['update-ca-trust'],
};

function caConfig(ctx: ModuleContext): CaConfig {
  return ctx.distro.info.osFamily === 'redhat' ? REDHAT : DEFAULT;
}

async function deleteDirContents(ctx: ModuleContext, dir: string): Promise<void> {
  for (const n of await ctx.host.fs.readdir(dir)) await ctx.host.fs.remove(`${dir.replace(/\/$/, '')}/${n}`, { recursive: true });
}

/** The cert list without our file, then our file last (blank lines would hide later entries). */
async function updateCertConfig(ctx: ModuleContext, c: CaConfig): Promise<void> {
  if (c.certConfig === null) return;
  const orig = await ctx.host.fs.readText(c.certConfig);
  const out = orig.length === 0 ? `${c.certFilename}\n` : `${orig.split(/\r?\n/).filter((l, i, a) => !(i === a.length - 1 && l === '') && l !== c.certFilename).join('\n').trimEnd()}\n${c.certFilename}\n`;
  await ctx.host.fs.writeFile(c.certConfig, out, { mode: 0o644 });
}

async function removeDefaults(ctx: ModuleContext, c: CaConfig): Promise<void> {
  ctx.log('DEBUG', 'Removing default certificates');
  await deleteDirContents(ctx, c.certPath);
  await deleteDirContents(ctx, c.systemPath);
  if (c.certConfig !== null) await ctx.host.fs.writeFile(c.certConfig, '', { mode: 0o644 });
  if (ctx.distro.info.osFamily === 'debian') {
    await runChecked(ctx.host, ['debconf-set-selections', '-'], { input: 'ca-certificates ca-certificates/trust_new_crts select no' });
  }
}

export const caCerts: ModuleDef = {
  name: 'ca_certs',
  frequency: PER_INSTANCE,
  distros: ['alpine', 'debian', 'ubuntu', 'rhel'],
  activateBy: ['ca_certs', 'ca-certs'],
  async run(ctx) {
    if ('ca-certs' in ctx.cfg) {
      ctx.log('WARNING', "DEPRECATION: key 'ca-certs' is now deprecated. Use 'ca_certs' instead.");
    } else if (!('ca_certs' in ctx.cfg)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'ca_certs' key in configuration`);
      return;
    }
    if ('ca-certs' in ctx.cfg && 'ca_certs' in ctx.cfg) ctx.log('WARNING', 'Found both ca-certs (deprecated) and ca_certs config keys. Ignoring ca-certs.');
    const raw = 'ca_certs' in ctx.cfg ? ctx.cfg.ca_certs : ctx.cfg['ca-certs'];
    if (!isDict(raw)) throw new TypeError(`argument of type '${raw === null ? 'NoneType' : typeof raw}' is not iterable`);
    const c = caConfig(ctx);
    if ('remove-defaults' in raw) {
      ctx.log('WARNING', "DEPRECATION: key 'ca-certs.remove-defaults' is now deprecated. Use 'ca_certs.remove_defaults' instead.");
      if (pyTruthy(raw['remove-defaults'])) await removeDefaults(ctx, c);
    } else if (pyTruthy(raw.remove_defaults)) {
      await removeDefaults(ctx, c);
    }
    if ('trusted' in raw) {
      const certs = cfgList(raw, 'trusted') ?? [];
      if (certs.length) {
        ctx.log('DEBUG', `Adding ${certs.length} certificates`);
        await ctx.host.fs.writeFile(`${c.certPath}${c.certFilename}`, certs.map(pyStr).join('\n'), { mode: 0o644 });
        await updateCertConfig(ctx, c);
      }
    }
    ctx.log('DEBUG', 'Updating certificates');
    await runChecked(ctx.host, c.updateCmd, { capture: false });
  },
};
