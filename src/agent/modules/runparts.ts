// run-parts as cloud-init's subp.runparts: every executable regular file in the directory, in
// sorted order, each with the optional prefix command; failures are collected and reported
// together after all have run.
import type { ModuleContext } from './types.js';

export async function runParts(ctx: ModuleContext, dir: string, prefix: string[] = []): Promise<void> {
  const st = await ctx.host.fs.stat(dir);
  if (st?.kind !== 'dir') return;
  const failed: string[] = [];
  let attempted = 0;
  for (const name of await ctx.host.fs.readdir(dir)) {
    const p = `${dir}/${name}`;
    const s = await ctx.host.fs.stat(p);
    if (s?.kind !== 'file' || !(s.mode & 0o111)) continue;
    attempted++;
    const r = await ctx.host.run([...prefix, p], { capture: false });
    if (r.code !== 0) {
      ctx.log('DEBUG', `Unexpected error while running command.\nCommand: ${JSON.stringify([...prefix, p])}\nExit code: ${r.code}${r.error ? `\nReason: ${r.error}` : ''}`);
      failed.push(name);
    }
  }
  if (failed.length && attempted) throw new Error(`Runparts: ${failed.length} failures (${failed.join(',')}) in ${attempted} attempted commands`);
}

export function scriptsModuleRun(dirOf: (ctx: ModuleContext) => string, subdir: string, prefixOf?: (ctx: ModuleContext) => string[]) {
  return async (ctx: ModuleContext) => {
    const dir = dirOf(ctx);
    try {
      await runParts(ctx, dir, prefixOf ? prefixOf(ctx) : []);
    } catch (e) {
      ctx.log('WARNING', `Failed to run module ${ctx.name} (${subdir} in ${dir})`);
      throw e;
    }
  };
}
