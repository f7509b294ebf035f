// `modules [--mode init|config|final]`: a module stage (default config, as cloud-init).
import type { Verb } from './args.js';
import { parseFlags, usage } from './args.js';
import { runStage, stageEnv } from './stage-env.js';
import { runModules } from '../../agent/stages.js';

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, { values: { '--mode': 'mode', '-m': 'mode' }, choices: { mode: ['init', 'config', 'final'] } });
  if (p.error || p.positional.length) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${p.error ?? `unrecognized arguments: ${p.positional.join(' ')}`}\n`);
    return 2;
  }
  const env = stageEnv(g);
  return runStage(env, () => runModules(env, (p.flags.mode as 'init' | 'config' | 'final' | undefined) ?? 'config'));
};
export default verb;
