// The network step of the boot stages (the seam in ../network-step.ts): the local stage writes the
// distro's network files before networking starts, the network stage brings them up.
import type { NetworkStep } from '../network-step.js';
import { applyNetworkConfig } from './apply-config.js';
import { DISTRO_RENDERER_CONFIGS } from './distro-configs.js';

export const applyNetwork: NetworkStep = async (input) => {
  // the configured name when we know its layout (e.g. rocky), else the table's entry (its family)
  const distroName = input.distro.name in DISTRO_RENDERER_CONFIGS ? input.distro.name : input.distro.info.name;
  await applyNetworkConfig({
    host: input.host,
    distroName,
    distroRenderers: input.distro.info.networkRenderers,
    cfg: input.cfg,
    ...(input.systemCfg ? { systemCfg: input.systemCfg } : {}),
    bringUp: input.bringUp,
    render: input.render,
    cmdline: input.cmdline,
    ...(input.datasource ? { datasource: input.datasource } : {}),
    ...(input.dsname ? { dsname: input.dsname } : {}),
  });
};
