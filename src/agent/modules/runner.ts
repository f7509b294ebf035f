// Runs a module section (cloud_init_modules, cloud_config_modules, cloud_final_modules) as
// cloud-init's Modules.run_section: entries may be a name, [name, frequency, args...] or
// {name, frequency, args}; unknown names are logged and skipped; inactive modules (none of their
// activating keys present) and modules not verified on this distro are skipped; each module runs
// under its marker (sem) and a start/finish event; one failure never stops the others.
import type { Host } from '../host/host.js';
import type { Reporter } from '../reporting.js';
import { FREQUENCIES, FileSemaphores, PER_ALWAYS, type Frequency } from '../state/semaphores.js';
import type { Dict, ModuleContext, ModuleDef, ModuleResult } from './types.js';
import { moduleByName } from './list.js';

export interface ModuleEntry {
  /** As written in the config. */
  raw: string;
  def: ModuleDef;
  frequency: Frequency;
  args: unknown[];
}

export type ContextFactory = (def: ModuleDef, entry: ModuleEntry) => Promise<ModuleContext>;

/** cloud-init's form_module_name: "write-files" / "cc_write_files.py" → "write_files". */
export function canonModuleName(name: string): string | undefined {
  let n = name.replace(/-/g, '_').trim();
  if (n.toLowerCase().endsWith('.py')) n = n.slice(0, -3);
  n = n.trim().replace(/^cc_/, '');
  return n || undefined;
}

export function readModuleEntries(host: Host, cfg: Dict, section: string): ModuleEntry[] {
  const list = cfg[section];
  if (!Array.isArray(list)) return [];
  const out: ModuleEntry[] = [];
  for (const item of list) {
    if (!item) continue;
    let raw: string | undefined;
    let freq: string | undefined;
    let args: unknown[] = [];
    if (typeof item === 'string') raw = item.trim();
    else if (Array.isArray(item)) {
      raw = item[0] !== undefined ? String(item[0]).trim() : undefined;
      freq = item[1] !== undefined ? String(item[1]).trim() : undefined;
      args = item.slice(2);
    } else if (typeof item === 'object') {
      const o = item as Dict;
      if (typeof o.name !== 'string') continue;
      raw = o.name.trim();
      if (o.frequency !== undefined) freq = String(o.frequency).trim();
      if (Array.isArray(o.args)) args = o.args;
    } else {
      host.log.log('WARNING', 'modules', `Failed to read '${String(item)}' item in config, unknown type ${typeof item}`);
      continue;
    }
    if (!raw) continue;
    const canon = canonModuleName(raw);
    if (!canon) continue;
    if (freq !== undefined && !(FREQUENCIES as readonly string[]).includes(freq)) {
      host.log.log('WARNING', 'modules', `Config specified module ${raw} has an unknown frequency ${freq}`);
      freq = undefined;
    }
    const def = moduleByName(canon);
    if (!def) {
      host.log.log('WARNING', 'modules', `Could not find module named cc_${canon}; skipped`);
      continue;
    }
    out.push({ raw, def, frequency: (freq as Frequency | undefined) ?? def.frequency, args });
  }
  return out;
}

export interface RunSectionResult {
  results: ModuleResult[];
  /** "name: message" of each failure, for status.json. */
  failures: string[];
}

export class ModuleRunner {
  constructor(
    private readonly host: Host,
    private readonly reporter: Reporter,
    private readonly sems: FileSemaphores,
    private readonly makeContext: ContextFactory,
  ) {}

  async runSection(cfg: Dict, section: string, distroName: string): Promise<RunSectionResult> {
    const entries = readModuleEntries(this.host, cfg, section);
    const overridden = Array.isArray(cfg.unverified_modules) ? cfg.unverified_modules.map(String) : [];
    const inactive: string[] = [];
    const skipped: string[] = [];
    const forced: string[] = [];
    const active: ModuleEntry[] = [];
    const results: ModuleResult[] = [];
    for (const e of entries) {
      if (e.def.activateBy && !e.def.activateBy.some((k) => k in cfg)) {
        inactive.push(e.raw);
        results.push({ name: e.raw, outcome: 'skipped', reason: 'no applicable config' });
        continue;
      }
      if (e.def.distros !== 'all' && !e.def.distros.includes(distroName)) {
        if (!overridden.includes(e.raw)) {
          skipped.push(e.raw);
          results.push({ name: e.raw, outcome: 'skipped', reason: `not verified on distro ${distroName}` });
          continue;
        }
        forced.push(e.raw);
      }
      active.push(e);
    }
    if (inactive.length) this.host.log.log('INFO', 'modules', `Skipping modules '${inactive.join(',')}' because no applicable config is provided.`);
    if (skipped.length) {
      this.host.log.log('INFO', 'modules', `Skipping modules '${skipped.join(',')}' because they are not verified on distro '${distroName}'.  To run anyway, add them to 'unverified_modules' in config.`);
    }
    if (forced.length) this.host.log.log('INFO', 'modules', `running unverified_modules: '${forced.join(', ')}'`);
    const failures: string[] = [];
    for (const e of active) {
      const r = await this.runOne(e);
      results.push(r);
      if (r.outcome === 'failed') failures.push(`${e.raw}: ${r.reason ?? 'failed'}`);
    }
    const ran = results.filter((r) => r.outcome === 'ran' || r.outcome === 'already-ran' || r.outcome === 'failed').length;
    this.host.log.log('DEBUG', 'main', `Ran ${ran} modules with ${failures.length} failures`);
    return { results, failures };
  }

  async runOne(e: ModuleEntry): Promise<ModuleResult> {
    const runName = `config-${e.raw}`;
    this.host.log.log('DEBUG', 'modules', `Running module ${e.raw} (cc_${e.def.name}) with frequency ${e.frequency}`);
    try {
      return await this.reporter.event(runName, `running ${runName} with frequency ${e.frequency}`, async (ev) => {
        if (await this.sems.hasRun(runName, e.frequency)) {
          this.host.log.log('DEBUG', 'helpers', `${runName} already ran (freq=${e.frequency})`);
          ev.message = `${runName} previously ran`;
          return { name: e.raw, outcome: 'already-ran' as const, frequency: e.frequency };
        }
        // the marker is written before the module runs, as cloud-init does: a failed module is
        // not retried at the next boot
        const marker = await this.sems.mark(runName, e.frequency);
        this.host.log.log('DEBUG', 'helpers', `Running ${runName} using lock (${marker ?? 'no marker: ' + (e.frequency === PER_ALWAYS ? 'always' : 'no instance')})`);
        const ctx = await this.makeContext(e.def, e);
        await e.def.run(ctx);
        ev.message = `${runName} ran successfully`;
        return { name: e.raw, outcome: 'ran' as const, frequency: e.frequency };
      });
    } catch (err) {
      const msg = (err as Error).message || String(err);
      this.host.log.log('WARNING', 'util', `Running module ${e.raw} (cc_${e.def.name}) failed: ${msg}`);
      return { name: e.raw, outcome: 'failed', frequency: e.frequency, reason: msg };
    }
  }
}
