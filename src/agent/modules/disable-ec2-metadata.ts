// disable_ec2_metadata: once the boot is configured, rejects the route to the metadata address
// (169.254.169.254) so that nothing running later on the machine can read the instance's metadata
// (credentials, user-data). Per boot, since routes do not survive a reboot.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { cfgBool } from './cfg-values.js';
import { which } from './which.js';
import { runChecked } from './run-checked.js';

const REJECT_CMD_IP = ['ip', 'route', 'add', 'prohibit', '169.254.169.254'];
const REJECT_CMD_IF = ['route', 'add', '-host', '169.254.169.254', 'reject'];

export const disableEc2Metadata: ModuleDef = {
  name: 'disable_ec2_metadata',
  frequency: PER_ALWAYS,
  distros: 'all',
  activateBy: ['disable_ec2_metadata'],
  async run(ctx) {
    if (!cfgBool(ctx.cfg, 'disable_ec2_metadata', false)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, disabling the ec2 route not enabled`);
      return;
    }
    let cmd: string[];
    if (await which(ctx.host, 'ip')) cmd = REJECT_CMD_IP;
    else if (await which(ctx.host, 'ifconfig')) cmd = REJECT_CMD_IF;
    else {
      ctx.log('ERROR', 'Neither "route" nor "ip" command found, unable to manipulate routing table');
      return;
    }
    await runChecked(ctx.host, cmd, { capture: false });
  },
};
