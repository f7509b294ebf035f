// The datasource plugin contract. detect() is cheap (DMI, labels, cmdline, files) and must fail
// closed: it says yes only on positive evidence. fetch() does the expensive part with bounded waits
// and a log line per try, and returns plain data; the shared stage code stores it (versioned JSON)
// and writes everything derived from it.
import type { Host } from '../host/host.js';
import type { DistroChoice } from '../distros/detect.js';
import type { Paths } from '../state/paths.js';
import type { Dmi } from './dmi.js';

export type BootStage = 'local' | 'network';
export type Dsmode = 'local' | 'net' | 'disabled';

/** Network configuration as the datasource provides it; the network code converts and renders. */
export interface DatasourceNetworkConfig {
  /** 'openstack' = network_data.json; 'v1'/'v2' = cloud-init network-config; 'eni' = legacy text. */
  format: 'openstack' | 'v1' | 'v2' | 'eni';
  config: unknown;
}

/** What a datasource found: stored as obj.json (format kindling-datasource v1) and reused by later stages. */
export interface DatasourceData {
  /** The datasource_list name, e.g. 'OpenStack'. */
  dsname: string;
  /** cloud-init's class name, e.g. 'DataSourceOpenStackLocal' (status.json, the datasource file). */
  className: string;
  /** str(ds) in cloud-init, e.g. 'DataSourceOpenStackLocal [net,ver=2]'. */
  description: string;
  dsmode: Dsmode;
  platform: string;
  subplatform: string;
  cloudName: string;
  /** cloud-init's ds.metadata: instance-id, local-hostname, public keys, availability zone... */
  metadata: Record<string, unknown>;
  /** SSH keys from the metadata (get_public_ssh_keys). */
  publicKeys: string[];
  /** user-data bytes, base64 (they may be gzip or any binary). */
  userdataRaw?: string;
  /** vendordata_raw / vendordata2_raw (string or list, after convert_vendordata). */
  vendordataRaw?: string | unknown[];
  vendordata2Raw?: string | unknown[];
  networkConfig?: DatasourceNetworkConfig;
  /** The crawled metadata for instance-data.json's "ds" key (no user or vendor data). */
  crawled: Record<string, unknown>;
  /** Keys of instance-data.json to redact for non-root readers, beyond the defaults. */
  sensitiveKeys?: string[];
  /** Datasource-specific config merged into the system config (get_config_obj). */
  configObj?: Record<string, unknown>;
  /** Files the metadata asks to write (OpenStack meta_data files[]), path → base64. */
  files?: Record<string, string>;
  /** The availability zone and region where the datasource knows them (cloud-init's ds properties). */
  availabilityZone?: string;
  region?: string;
  /** ds.launch_index: user-data parts whose Launch-Index names another are not consumed (absent: metadata 'launch-index'). */
  launchIndex?: number;
  /**
   * cloud-init's default_update_events for the network scope ('boot-new-instance', 'boot',
   * 'boot-legacy'); absent: boot-new-instance only. The user's `updates: {network: ...}` overrides it.
   */
  networkUpdateEvents?: string[];
  /** Where an instance id can be checked locally (DMI system-uuid) without re-fetching. */
  checkInstanceId?: 'system-uuid' | 'none';
}

export interface DatasourceContext {
  host: Host;
  /** The merged system configuration. */
  cfg: Record<string, unknown>;
  /** cfg.datasource[<name>] (or {}). */
  dsCfg: Record<string, unknown>;
  distro: DistroChoice;
  paths: Paths;
  dmi: Dmi;
  cmdline: string;
  stage: BootStage;
  /** Runs fn with a temporary DHCP lease when the network is not up yet (local stage). */
  withEphemeralNetwork<T>(fn: () => Promise<T>): Promise<T>;
}

export interface Datasource {
  /** The datasource_list name. */
  name: string;
  /** Stages it can be found in: 'local' needs no network (or brings up its own ephemeral one). */
  stages: readonly BootStage[];
  /** cloud-init's class name in a stage (default DataSource<name>, with Local in the local stage). */
  className?(stage: BootStage): string;
  /** Cheap and fail-closed. */
  detect(ctx: DatasourceContext): Promise<boolean>;
  /** Expensive and bounded; undefined when nothing usable was found (each reason logged). */
  fetch(ctx: DatasourceContext): Promise<DatasourceData | undefined>;
  /** A local check that a cached instance is still this machine (cloud-init's check_instance_id). */
  checkInstanceId?(ctx: Omit<DatasourceContext, 'withEphemeralNetwork' | 'stage'>, data: DatasourceData): Promise<boolean>;
  /** cloud-init's ds.activate(cfg, is_new_instance): after user-data is consumed, with the merged config. */
  activate?(ctx: { host: Host; cfg: Record<string, unknown>; paths: Paths }, data: DatasourceData, isNewInstance: boolean): Promise<void>;
}
