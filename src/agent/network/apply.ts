// Placeholder network step until the network code lands (owned by the network work, branch `net`):
// it changes nothing and says so. Replace this file's body with the real renderer and bring-up;
// the signature is the seam in ../network-step.ts.
import type { NetworkStep } from '../network-step.js';

export const applyNetwork: NetworkStep = async (input) => {
  if (!input.render) {
    input.host.log.log('DEBUG', 'stages', 'No network config applied. Neither a new instance nor datasource network update allowed');
    return;
  }
  input.host.log.log('WARNING', 'stages', `network configuration from ${input.datasource ? input.datasource.format : 'fallback'} not rendered: no network renderer in this build`);
};
