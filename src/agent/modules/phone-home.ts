// phone_home: when the instance is up, POSTs its id, hostname, FQDN and SSH host keys (all, or the
// keys listed in `post`) as a form to `url` ($INSTANCE_ID in it is replaced), with `tries`
// attempts 3 s apart. Missing keys are posted as "N/A", as cloud-init does.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { readUrl } from '../http/url-reader.js';
import { dsHostname } from '../hostname/hostname.js';
import { renderString } from '../template/render-string.js';
import { isDict, pyTypeName } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { readConf } from '../config/load.js';

const POST_LIST_ALL = ['pub_key_dsa', 'pub_key_rsa', 'pub_key_ecdsa', 'pub_key_ed25519', 'instance_id', 'hostname', 'fqdn'];
const PUB_KEYS: Record<string, string> = {
  pub_key_dsa: '/etc/ssh/ssh_host_dsa_key.pub',
  pub_key_rsa: '/etc/ssh/ssh_host_rsa_key.pub',
  pub_key_ecdsa: '/etc/ssh/ssh_host_ecdsa_key.pub',
  pub_key_ed25519: '/etc/ssh/ssh_host_ed25519_key.pub',
};

/** Python's urlencode (quote_plus): what requests sends for a dict of form data. */
export function formEncode(pairs: [string, string][]): string {
  const q = (s: string) =>
    Array.from(Buffer.from(s, 'utf8'))
      .map((b) => (/[A-Za-z0-9_.\-~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
      .join('');
  return pairs.map(([k, v]) => `${q(k)}=${q(v)}`).join('&');
}

/** Python's int() of a YAML value, or undefined where int() raises. */
function pyInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return parseInt(v, 10);
  return undefined;
}

async function phCfgOf(ctx: ModuleContext): Promise<Record<string, unknown> | undefined> {
  if (ctx.args.length) return readConf(ctx.host, pyStr(ctx.args[0]));
  if (!('phone_home' in ctx.cfg)) {
    ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'phone_home' configuration found`);
    return undefined;
  }
  const c = ctx.cfg.phone_home;
  if (!isDict(c)) throw new TypeError(`argument of type '${pyTypeName(c)}' is not iterable`);
  return c;
}

export const phoneHome: ModuleDef = {
  name: 'phone_home',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['phone_home'],
  async run(ctx) {
    const ph = await phCfgOf(ctx);
    if (!ph) return;
    if (!('url' in ph)) {
      ctx.log('WARNING', `Skipping module named ${ctx.name}, no 'url' found in 'phone_home' configuration`);
      return;
    }
    let tries = pyInt(ph.tries);
    if (tries === undefined) {
      tries = 10;
      ctx.log('WARNING', `Configuration entry 'tries' is not an integer, using ${tries} instead`);
    }
    const post = ph.post ?? 'all';
    const postList = post === 'all' ? POST_LIST_ALL : Array.isArray(post) ? post.map(pyStr) : Array.from(pyStr(post));
    const all: Record<string, string | undefined> = {
      instance_id: ctx.iid ?? 'iid-datasource-none',
      hostname: (await dsHostname(ctx.host, ctx.ds?.metadata, {})).hostname,
      fqdn: (await dsHostname(ctx.host, ctx.ds?.metadata, { fqdn: true })).hostname,
    };
    for (const [k, path] of Object.entries(PUB_KEYS)) {
      const text = await ctx.host.fs.readTextIfExists(path).catch(() => undefined);
      if (text === undefined) ctx.log('WARNING', `${path}: failed to open, can not phone home that data!`);
      else all[k] = text;
    }
    const submit: [string, string][] = [];
    for (const k of postList) {
      const v = all[k];
      if (v === undefined) ctx.log('WARNING', `Requested key ${k} from 'post' configuration list not available`);
      if (!submit.some(([s]) => s === k)) submit.push([k, v ?? 'N/A']);
      else submit[submit.findIndex(([s]) => s === k)] = [k, v ?? 'N/A'];
    }
    const url = renderString(pyStr(ph.url), { INSTANCE_ID: all.instance_id as string });
    try {
      if (!/^https?:\/\//i.test(url)) {
        // read_file_or_url on a path only reads it: nothing is posted
        await ctx.host.fs.readFile(url.replace(/^file:\/\//, ''));
        return;
      }
      await readUrl(ctx.host, url, {
        body: formEncode(submit),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        retries: Math.max(0, tries - 1),
        secBetween: 3,
        timeoutSec: 30,
        shouldRetry: () => true,
      });
    } catch (e) {
      ctx.log('WARNING', `Failed to post phone home data to ${url} in ${tries} tries`);
      ctx.log('DEBUG', (e as Error).message);
    }
  },
};
