// `kindling-init` (also installed as `cloud-init`): cloud-init's command line. Each verb lives in
// its own file and is loaded only when called, so a boot stage pays only for what it runs.
import { parseGlobal, progName, usage, type StageIo, type Verb } from './init/args.js';
import { RESIDENT_DIR, RESIDENT_FLAG, ResidentAgent } from './resident.js';

const VERBS: Record<string, () => Promise<{ default: Verb }>> = {
  init: () => import('./init/verb-init.js'),
  modules: () => import('./init/verb-modules.js'),
  single: () => import('./init/verb-single.js'),
  status: () => import('./init/verb-status.js'),
  query: () => import('./init/verb-query.js'),
  analyze: () => import('./init/verb-analyze.js'),
  clean: () => import('./init/verb-clean.js'),
  'collect-logs': () => import('./init/verb-collect-logs.js'),
  devel: () => import('./init/verb-devel.js'),
};

async function main(argv: string[], io?: StageIo): Promise<number> {
  if (progName() === 'cloud-id') return (await import('./init/cloud-id.js')).default(argv);
  const g = parseGlobal(argv);
  if (io) g.io = io;
  if (g.error) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${g.error}\n`);
    return 2;
  }
  if (g.version) {
    const { CLOUD_INIT_COMPAT_VERSION, KINDLING_INIT_VERSION } = await import('../agent/version.js');
    process.stdout.write(`${g.prog} ${CLOUD_INIT_COMPAT_VERSION} (kindling-init ${KINDLING_INIT_VERSION})\n`);
    return 0;
  }
  if (g.help || !g.verb) {
    process.stdout.write(`${usage(g.prog)}\n`);
    return g.verb || g.help ? 0 : 2;
  }
  const load = VERBS[g.verb];
  if (!load) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: argument subcommand: invalid choice: '${g.verb}'\n`);
    return 2;
  }
  return (await load()).default(g);
}

function start(): void {
  // started by packaging/bin/kindling-init to run the boot's stages (resident.ts): root only
  if (process.argv[2] === RESIDENT_FLAG && process.argv.length === 3 && process.geteuid?.() === 0) {
    void new ResidentAgent(process.env.KINDLING_INIT_RESIDENT_DIR || RESIDENT_DIR, main).serve();
    return;
  }
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`kindling-init: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

// Building a startup snapshot (scripts/agent-loader.js): the loader takes the command's start and
// runs it when a process is started from the snapshot; otherwise the command runs now.
const snapshot = (globalThis as { __kindlingInitSnapshot?: (start: () => void, verbs: typeof VERBS) => void }).__kindlingInitSnapshot;
if (snapshot) snapshot(start, VERBS);
else start();
