// `clean [--logs] [--seed] [--machine-id] [--reboot] [--configs all|ssh_config|network ...]`.
import type { Verb } from './args.js';

const USAGE = 'usage: clean [-h] [-l] [--machine-id] [-r] [-s] [-c {all,ssh_config,network} [{all,ssh_config,network} ...]]';
const CONFIG_TYPES = ['all', 'ssh_config', 'network'];

const verb: Verb = async (g) => {
  const a = { logs: false, seed: false, machineId: false, reboot: false, configs: [] as string[] };
  const args = g.rest;
  for (let i = 0; i < args.length; i++) {
    const x = args[i] as string;
    if (x === '-l' || x === '--logs') a.logs = true;
    else if (x === '-s' || x === '--seed') a.seed = true;
    else if (x === '-r' || x === '--reboot') a.reboot = true;
    else if (x === '--machine-id') a.machineId = true;
    else if (x === '-h' || x === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (x === '-c' || x === '--configs' || x.startsWith('--configs=')) {
      const vals = x.startsWith('--configs=') ? [x.slice(10)] : [];
      while (!x.startsWith('--configs=') && i + 1 < args.length && !(args[i + 1] as string).startsWith('-')) vals.push(args[++i] as string);
      const bad = vals.find((v) => !CONFIG_TYPES.includes(v));
      if (!vals.length || bad) {
        process.stderr.write(`${USAGE}\nclean: error: argument -c/--configs: ${bad ? `invalid choice: '${bad}' (choose from 'all', 'ssh_config', 'network')` : 'expected at least one argument'}\n`);
        return 2;
      }
      a.configs.push(...vals);
    } else {
      process.stderr.write(`${USAGE}\nclean: error: unrecognized arguments: ${x}\n`);
      return 2;
    }
  }
  const { clean } = await import('../../agent/tools/clean.js');
  const { createHost } = await import('../../agent/host/create-host.js');
  const host = createHost(process.env.KINDLING_INIT_ROOT || '/');
  // cloud-init prints its errors as "ERROR: ..." on stderr
  return clean(host, a, (m) => process.stderr.write(`ERROR: ${m}\n`));
};
export default verb;
