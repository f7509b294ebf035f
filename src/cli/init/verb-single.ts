// `single --name MODULE [--frequency always|instance|once] [--report] [args...]`: one module.
import type { Verb } from './args.js';
import { parseFlags, usage } from './args.js';
import { runStage, stageEnv } from './stage-env.js';
import { runSingle } from '../../agent/stages.js';
import { FREQ_SHORT } from '../../agent/state/semaphores.js';

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, {
    values: { '--name': 'name', '-n': 'name', '--frequency': 'frequency' },
    bools: { '--report': 'report' },
    choices: { frequency: Object.keys(FREQ_SHORT) },
  });
  if (p.error || typeof p.flags.name !== 'string') {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${p.error ?? 'the following arguments are required: --name/-n'}\n`);
    return 2;
  }
  const env = stageEnv(g);
  const freq = typeof p.flags.frequency === 'string' ? FREQ_SHORT[p.flags.frequency] : undefined;
  return runStage(env, () => runSingle(env, p.flags.name as string, freq, p.positional, p.flags.report === true));
};
export default verb;
