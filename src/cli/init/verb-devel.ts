// `devel <tool>`: development tools. net-convert belongs to the network code.
import type { Verb } from './args.js';

const TOOLS: Record<string, () => Promise<{ default: (args: string[]) => Promise<number> }>> = {
  'net-convert': () => import('./devel-net-convert.js'),
};

const verb: Verb = async (g) => {
  const [tool, ...rest] = g.rest;
  const load = tool ? TOOLS[tool] : undefined;
  if (!load) {
    process.stderr.write(`usage: ${g.prog} devel [-h] {${Object.keys(TOOLS).join(',')}} ...\n${g.prog} devel: error: invalid choice: '${tool ?? ''}'\n`);
    return 2;
  }
  return (await load()).default(rest);
};
export default verb;
