// keys_to_console: the host keys' fingerprints and the public host keys themselves, written to the
// console between the markers tools look for (-----BEGIN SSH HOST KEY KEYS-----), so that the
// first login can be verified out of band. Computed here rather than by cloud-init's helper script.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { keyInfo, sha256Fingerprint } from './ssh-fingerprint.js';

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && ['false', '0', 'off', 'no'].includes(v.toLowerCase()));
}

function listOpt(v: unknown, def: string[]): string[] {
  if (v === undefined || v === null) return def;
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

export const keysToConsole: ModuleDef = {
  name: 'keys_to_console',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const sshCfg = (ctx.cfg.ssh && typeof ctx.cfg.ssh === 'object' ? ctx.cfg.ssh : {}) as Record<string, unknown>;
    if (isFalse(sshCfg.emit_keys_to_console ?? true)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, logging of SSH host keys disabled`);
      return;
    }
    const fpBlacklist = listOpt(ctx.cfg.ssh_fp_console_blacklist, []);
    const keyBlacklist = listOpt(ctx.cfg.ssh_key_console_blacklist, ['ssh-dss']);
    const pubs: { type: string; b64: string; comment: string; text: string }[] = [];
    for (const f of await ctx.host.fs.readdir('/etc/ssh')) {
      if (!/^ssh_host_.*key\.pub$/.test(f)) continue;
      const text = await ctx.host.fs.readTextIfExists(`/etc/ssh/${f}`);
      if (!text) continue;
      const [type, b64, ...rest] = text.trim().split(/\s+/);
      if (!type || !b64) continue;
      pubs.push({ type, b64, comment: rest.join(' '), text });
    }
    const lines: string[] = [];
    const fps = pubs.filter((p) => !fpBlacklist.includes(p.type));
    if (fps.length) {
      lines.push('#############################################################', '-----BEGIN SSH HOST KEY FINGERPRINTS-----');
      for (const p of fps) {
        const info = keyInfo(Buffer.from(p.b64, 'base64'));
        lines.push(`${info?.bits ?? '?'} ${sha256Fingerprint(p.b64)} ${p.comment || 'no comment'} (${info?.type ?? p.type})`);
      }
      lines.push('-----END SSH HOST KEY FINGERPRINTS-----', '#############################################################');
    }
    const keys = pubs.filter((p) => !keyBlacklist.includes(p.type));
    if (keys.length) {
      lines.push('-----BEGIN SSH HOST KEY KEYS-----');
      for (const p of keys) lines.push(p.text.replace(/\n+$/, ''));
      lines.push('-----END SSH HOST KEY KEYS-----');
    }
    if (lines.length) ctx.host.output.console(`${lines.join('\n')}\n`);
  },
};
