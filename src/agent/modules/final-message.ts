// final_message: prints the final message (templated with version, timestamp, datasource, uptime)
// to stderr and the log, and writes boot-finished, which tools wait for.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { CLOUD_INIT_COMPAT_VERSION } from '../version.js';
import { renderTemplateString } from './template-string.js';
import { rfc2822Now } from './time-format.js';

const DEFAULT = '## template: jinja\nCloud-init v. {{version}} finished at {{timestamp}}. Datasource {{datasource}}.  Up {{uptime}} seconds';

export const finalMessage: ModuleDef = {
  name: 'final_message',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    let msg = ctx.args.length ? String(ctx.args[0]) : typeof ctx.cfg.final_message === 'string' ? ctx.cfg.final_message : '';
    msg = msg.trim();
    if (!msg) msg = DEFAULT;
    const uptime = ((await ctx.host.fs.readTextIfExists('/proc/uptime').catch(() => undefined)) ?? '').split(/\s+/)[0] || (await ctx.host.clock.uptime()).toFixed(2);
    const ts = rfc2822Now();
    const subs: Record<string, string> = { uptime, timestamp: ts, version: CLOUD_INIT_COMPAT_VERSION, datasource: ctx.ds?.description ?? 'DataSourceNone' };
    for (const [k, v] of Object.entries({ ...subs })) subs[k.toUpperCase()] = v;
    try {
      const text = renderTemplateString(msg, subs);
      ctx.host.output.err(`${text}\n`);
      ctx.log('DEBUG', text);
    } catch (e) {
      ctx.log('WARNING', `Failed to render final message template: ${(e as Error).message}`);
    }
    try {
      await ctx.host.fs.writeFile(ctx.paths.bootFinished, `${uptime} - ${ts} - v. ${CLOUD_INIT_COMPAT_VERSION}\n`, { mode: 0o644, mkdirs: false });
    } catch (e) {
      ctx.log('WARNING', `Failed to write boot finished file ${ctx.paths.bootFinished}: ${(e as Error).message}`);
    }
    if (ctx.ds?.dsname === 'None') ctx.log('WARNING', 'Used fallback datasource');
  },
};
