// The configuration the tooling verbs (clean, collect-logs) read, as cloud-init's Init.read_cfg
// gives them: the system config with the current instance's cloud-config merged over it, and the
// state paths it names. Read through a quiet host: these verbs never write the boot log.
import type { Host } from '../host/host.js';
import { RootedFs } from '../host/rooted-fs.js';
import { readBaseConfig } from '../config/load.js';
import { mergeManyDicts } from '../config/mergers.js';
import { loadYamlDict } from '../config/yaml.js';
import { Paths } from '../state/paths.js';
import { outputCfg } from '../boot/output.js';

type Dict = Record<string, unknown>;

export function quietHost(root: string): Host {
  return { fs: new RootedFs(root), log: { log() {} } } as unknown as Host;
}

export async function verbConfig(host: Host): Promise<{ cfg: Dict; paths: Paths }> {
  let base: Dict = {};
  try {
    base = await readBaseConfig(host);
  } catch {
    base = {};
  }
  const si = base.system_info as Dict | undefined;
  const paths = new Paths((si?.paths as Dict | undefined) ?? {});
  const inst = await host.fs.readTextIfExists(paths.ipathCur('cloud_config')).catch(() => undefined);
  const instCfg = inst ? (() => {
    try {
      return loadYamlDict(inst) ?? {};
    } catch {
      return {};
    }
  })() : {};
  return { cfg: mergeManyDicts([instCfg, base]), paths };
}

/** get_config_logfiles: def_log_file and the files the `output:` setting writes to. */
export function configLogfiles(cfg: Dict): string[] {
  const logs = new Set<string>();
  if (typeof cfg.def_log_file === 'string' && cfg.def_log_file) logs.add(cfg.def_log_file);
  for (const fmt of outputCfg(cfg, '\0')) {
    if (!fmt) continue;
    const m = /^(\||>+)\s*(.*)$/s.exec(fmt);
    if (!m) continue;
    const target = m[2] as string;
    const parts = target.split(/\s+/).filter(Boolean);
    if (parts.length === 1) logs.add(target);
    else if (parts[0] === 'tee' && parts[1] === '-a' && parts[2]) logs.add(parts[2]);
  }
  return [...logs];
}
