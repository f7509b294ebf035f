// Composition of the real Host: a rooted fs, the chroot-aware runner, node:http, the real clock,
// the buffered cloud-init-format logger and the stage output.
import * as fs from 'node:fs';
import type { Host } from './host.js';
import { RootedFs } from './rooted-fs.js';
import { nodeBackgroundRunner, nodeRunner } from './node-runner.js';
import { nodeHttpClient } from './node-http.js';
import { realClock } from './clock.js';
import { BufferedLogger } from './file-logger.js';
import { StageOutput } from './stage-output.js';
import { loggingRunner } from './logging-runner.js';

export interface RealHost extends Host {
  logger: BufferedLogger;
  stageOutput: StageOutput;
  /** Flushes logs and output and closes idle connections. */
  close(): Promise<void>;
}

export function createHost(root = '/', opts: { userAgent?: string; io?: { stdout(t: string): void; stderr(t: string): void } } = {}): RealHost {
  const rfs = new RootedFs(root);
  const stageOutput = new StageOutput({
    stdout: opts.io ? (t) => opts.io!.stdout(t) : (t) => fs.writeSync(1, t),
    stderr: opts.io ? (t) => opts.io!.stderr(t) : (t) => fs.writeSync(2, t),
    console: (t) => writeConsole(rfs, t),
  });
  const logger = new BufferedLogger({ echo: (line) => stageOutput.err(line), echoLevel: 'WARNING' });
  const http = nodeHttpClient(opts.userAgent);
  const run = loggingRunner(nodeRunner({ root: rfs.root, output: stageOutput }), logger);
  return {
    fs: rfs,
    run,
    background: nodeBackgroundRunner({ root: rfs.root, resolve: (p) => rfs.resolve(p) }),
    http: http.request,
    clock: realClock(rfs),
    log: logger,
    output: stageOutput,
    logger,
    stageOutput,
    async close() {
      await logger.flush();
      await stageOutput.flush();
      http.close();
    },
  };
}

/** Writes to the guest's /dev/console only if it is a character device, never to a plain file. */
function writeConsole(rfs: RootedFs, text: string): void {
  try {
    const real = rfs.resolve('/dev/console');
    if (!fs.statSync(real).isCharacterDevice()) return;
    const fd = fs.openSync(real, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no console: the text is dropped rather than written anywhere readable
  }
}
