// Composition of the real Host: a rooted fs, the chroot-aware runner, node:http, the real clock,
// the buffered cloud-init-format logger and the stage output.
import * as fs from 'node:fs';
import type { Host } from './host.js';
import { RootedFs } from './rooted-fs.js';
import { nodeBackgroundRunner, nodeRunner } from './node-runner.js';
import { nodeHttpClient } from './node-http.js';
import { realClock } from './clock.js';
import { BufferedLogger } from './file-logger.js';
import { StageOutput, type StageIo } from './stage-output.js';
import { loggingRunner } from './logging-runner.js';

export interface RealHost extends Host {
  logger: BufferedLogger;
  stageOutput: StageOutput;
  /** Flushes logs and output and closes idle connections. */
  close(): Promise<void>;
}

export function createHost(root = '/', opts: { userAgent?: string; io?: StageIo } = {}): RealHost {
  const rfs = new RootedFs(root);
  const io = opts.io ?? { stdout: (t: string) => fs.writeSync(1, t), stderr: (t: string) => fs.writeSync(2, t) };
  const stageOutput = new StageOutput({ stdout: io.stdout, stderr: io.stderr, console: (t) => writeConsole(rfs, t) });
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
