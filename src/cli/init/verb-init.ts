// `init [--local]`: the local or the network stage.
import type { Verb } from './args.js';
import { parseFlags, usage } from './args.js';
import { runStage, stageEnv } from './stage-env.js';
import { runInit } from '../../agent/stages.js';
import { warmUpYaml } from '../../agent/config/yaml.js';

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, { bools: { '--local': 'local', '-l': 'local' } });
  if (p.error || p.positional.length) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${p.error ?? `unrecognized arguments: ${p.positional.join(' ')}`}\n`);
    return 2;
  }
  const env = stageEnv(g);
  return runStage(env, () => runInit(env, p.flags.local === true));
};
export default verb;

/** Run once while a startup snapshot is built (scripts/agent-loader.js): see warmUpYaml. */
export function warmUp(): void {
  warmUpYaml();
}
