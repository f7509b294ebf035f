// The config module contract: cloud-init's name (write_files), default frequency, the distros it
// is verified on, the keys that activate it (cloud-init 22.4's activate_by_schema_keys: absent all
// of them, the module is skipped without a marker), and run(). A module computes and applies its
// changes through ctx.host only.
import type { Host, LogLevel } from '../host/host.js';
import type { DatasourceData } from '../datasources/types.js';
import type { DistroChoice } from '../distros/detect.js';
import type { Paths } from '../state/paths.js';
import type { Frequency } from '../state/semaphores.js';

export type Dict = Record<string, unknown>;

export interface ModuleContext {
  host: Host;
  /** The name as the config lists it (e.g. 'write-files'). */
  name: string;
  /** The merged config (a private copy). */
  cfg: Dict;
  ds: DatasourceData | undefined;
  distro: DistroChoice;
  paths: Paths;
  /** The current instance id (undefined without a datasource, e.g. `single` with --force). */
  iid: string | undefined;
  args: unknown[];
  /** Logs under the module's name (cc_<name>). */
  log(level: LogLevel, message: string): void;
}

export interface ModuleDef {
  name: string;
  frequency: Frequency;
  /** 'all', or the distro names it is verified on. */
  distros: 'all' | readonly string[];
  /** Top-level config keys that activate the module; undefined = always active. */
  activateBy?: readonly string[];
  run(ctx: ModuleContext): Promise<void>;
}

export type ModuleOutcome = 'ran' | 'skipped' | 'already-ran' | 'failed';

export interface ModuleResult {
  name: string;
  outcome: ModuleOutcome;
  frequency?: Frequency;
  reason?: string;
}

/** A module that cloud-init 22.4 has but kindling-init does not implement: it fails if configured. */
export class NotImplementedModule extends Error {}
