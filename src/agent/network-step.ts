// The seam between the boot stages and the network code (src/agent/network/, owned by the network
// work): the local stage calls applyNetwork() with bringUp=false to write the distro's network
// files before networking starts; the network stage calls it with bringUp=true. The stage decides
// whether this boot should render (new instance or an allowed update event) and passes the
// candidate configurations; the network code chooses among them, renders, renames and brings up.
import type { Host } from './host/host.js';
import type { DistroChoice } from './distros/detect.js';
import type { Paths } from './state/paths.js';
import type { DatasourceNetworkConfig } from './datasources/types.js';

export interface NetworkStepInput {
  host: Host;
  distro: DistroChoice;
  paths: Paths;
  /** The merged config (system_info.network, disable_network_activation, updates...). */
  cfg: Record<string, unknown>;
  /**
   * The system config alone (cloud.cfg, cloud.cfg.d, /run/cloud-init/cloud.cfg, the kernel command
   * line): the only place a `network:` key is read from, so that user-data never changes it.
   */
  systemCfg?: Record<string, unknown>;
  stage: 'local' | 'network';
  bringUp: boolean;
  /** false: only re-apply interface renames (not a new instance, no update event allowed). */
  render: boolean;
  /** The kernel command line (network-config=, ip=). */
  cmdline: string;
  /** The datasource's network config, if any. */
  datasource?: DatasourceNetworkConfig;
  /** The datasource_list name of the datasource in use (decides the source order). */
  dsname?: string;
}

export type NetworkStep = (input: NetworkStepInput) => Promise<void>;
