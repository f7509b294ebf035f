// The `output:` setting (cloud-init's get_output_cfg) applied to the stage's stdout/stderr, and the
// log file's permissions: /var/log/cloud-init.log and the output log are created 0640 and owned
// by the first of syslog_fix_perms that exists (root:adm on Debian), never world-readable.
import type { Host } from '../host/host.js';
import type { RealHost } from '../host/create-host.js';
import { resolveOwner } from '../accounts/passwd-db.js';

export function outputCfg(cfg: Record<string, unknown>, mode: string): [string | undefined, string | undefined] {
  const out = cfg.output;
  if (!out || typeof out !== 'object' || Array.isArray(out)) return [undefined, undefined];
  const o = out as Record<string, unknown>;
  const modecfg = mode in o ? o[mode] : o.all;
  if (modecfg === undefined) return [undefined, undefined];
  let ret: [string | undefined, string | undefined] = [undefined, undefined];
  if (typeof modecfg === 'string') ret = [modecfg, modecfg];
  else if (Array.isArray(modecfg)) ret = [modecfg[0] as string | undefined, modecfg[1] as string | undefined];
  else if (modecfg && typeof modecfg === 'object') {
    const m = modecfg as Record<string, unknown>;
    ret = [m.output as string | undefined, m.error as string | undefined];
  }
  if (ret[1] === '&1') ret[1] = ret[0];
  return ret.map((v) => {
    if (typeof v !== 'string' || !v) return undefined;
    const t = v.trimStart();
    for (const s of ['>>', '>', '|']) if (t.startsWith(s)) return `${s} ${t.slice(s.length).trim()}`;
    return `>> ${t.trim()}`;
  }) as [string | undefined, string | undefined];
}

/** Owner for log files from syslog_fix_perms: the first "user:group" that exists in the guest. */
export async function logOwner(host: Host, cfg: Record<string, unknown>): Promise<{ uid?: number; gid?: number }> {
  let perms = cfg.syslog_fix_perms;
  if (!perms) return {};
  if (!Array.isArray(perms)) perms = [perms];
  for (const p of perms as unknown[]) {
    if (typeof p !== 'string') continue;
    const r = await resolveOwner(host, p);
    if (!r.error) return r;
  }
  return {};
}

async function ensureLogFile(host: Host, path: string, owner: { uid?: number; gid?: number }): Promise<void> {
  const st = await host.fs.stat(path);
  if (!st) {
    await host.fs.writeFile(path, '', { mode: 0o640, ...owner });
    return;
  }
  // the stricter of 0640 and what is there
  const mode = st.mode & 0o640;
  if (mode !== st.mode) await host.fs.chmod(path, mode);
  if ((owner.uid !== undefined && owner.uid !== st.uid) || (owner.gid !== undefined && owner.gid !== st.gid)) {
    await host.fs.chown(path, owner.uid ?? st.uid, owner.gid ?? st.gid);
  }
}

/** Points the logger and the stage output at their files, per config. */
export async function setupLogging(host: RealHost, cfg: Record<string, unknown>, mode: string): Promise<void> {
  const owner = await logOwner(host, cfg);
  const logFile = typeof cfg.def_log_file === 'string' && cfg.def_log_file ? cfg.def_log_file : '/var/log/cloud-init.log';
  await ensureLogFile(host, logFile, owner);
  host.logger.setSink((t) => host.fs.appendFile(logFile, t));
  const [out, err] = outputCfg(cfg, mode);
  const target = out ?? err;
  if (!target) return;
  const m = /^(\||>>|>)\s*(.*)$/.exec(target);
  if (!m) return;
  const [, op, arg] = m as unknown as [string, string, string];
  if (op === '|') {
    const tee = /^tee(\s+-a)?\s+(\S+)$/.exec(arg.trim());
    if (tee) {
      const file = tee[2] as string;
      if (!tee[1]) await host.fs.writeFile(file, '', { mode: 0o640, ...owner });
      await ensureLogFile(host, file, owner);
      host.stageOutput.redirect({ echo: true, append: (t) => host.fs.appendFile(file, t) });
      return;
    }
    // any other command gets the output on its stdin, as cloud-init's `| cmd` does
    host.stageOutput.redirect({
      echo: false,
      append: async (t) => {
        await host.run(['sh', '-c', arg], { input: t });
      },
    });
    return;
  }
  if (op === '>') await host.fs.writeFile(arg, '', { mode: 0o640, ...owner });
  await ensureLogFile(host, arg, owner);
  host.stageOutput.redirect({ echo: false, append: (t) => host.fs.appendFile(arg, t) });
}
