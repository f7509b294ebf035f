// seed_random: feeds random_seed (config data, and the metadata's random_seed) into /dev/urandom,
// then runs an optional command with RANDOM_SEED_FILE set.
import { zlib } from '../host/lazy-builtins.js';
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { fromCiB64 } from '../datasources/metadata-helpers.js';

function decode(data: unknown, encoding: unknown): Buffer {
  if (!data) return Buffer.alloc(0);
  const enc = typeof encoding === 'string' ? encoding.toLowerCase() : '';
  const text = typeof data === 'string' ? data : String(data);
  if (!enc || enc === 'raw') return Buffer.from(text, 'utf8');
  if (enc === 'base64' || enc === 'b64') return Buffer.from(text, 'base64');
  if (enc === 'gzip' || enc === 'gz') return zlib().gunzipSync(Buffer.from(text, 'latin1'));
  throw new Error(`Unknown random_seed encoding: ${String(encoding)}`);
}

async function which(ctx: Parameters<ModuleDef['run']>[0], cmd: string): Promise<boolean> {
  if (cmd.includes('/')) return (await ctx.host.fs.stat(cmd))?.kind === 'file';
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if ((await ctx.host.fs.stat(`${d}/${cmd}`))?.kind === 'file') return true;
  }
  return false;
}

export const seedRandom: ModuleDef = {
  name: 'seed_random',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const my = (ctx.cfg.random_seed && typeof ctx.cfg.random_seed === 'object' ? ctx.cfg.random_seed : {}) as Record<string, unknown>;
    const file = typeof my.file === 'string' ? my.file : '/dev/urandom';
    const parts: Buffer[] = [];
    if (my.data) parts.push(decode(my.data, my.encoding));
    const md = ctx.ds?.metadata;
    if (md && 'random_seed' in md) {
      const b = fromCiB64(md.random_seed);
      if (b) parts.push(b);
    }
    const seed = Buffer.concat(parts);
    if (seed.length) {
      ctx.log('DEBUG', `${ctx.name}: adding ${seed.length} bytes of random seed entropy to ${file}`);
      await ctx.host.fs.appendFile(file, seed);
    }
    const command = my.command;
    const required = my.command_required === true;
    if (!command || (Array.isArray(command) && command.length === 0)) {
      if (required) throw new Error('no command found but required=true');
      ctx.log('DEBUG', 'no command provided');
      return;
    }
    const argv = Array.isArray(command) ? command.map(String) : [String(command)];
    if (!(await which(ctx, argv[0] as string))) {
      if (required) throw new Error(`command '${argv[0]}' not found but required=true`);
      ctx.log('DEBUG', `command '${argv[0]}' not found for seed_command`);
      return;
    }
    await ctx.host.run(argv, { env: { RANDOM_SEED_FILE: file }, capture: false });
  },
};
