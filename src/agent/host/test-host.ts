// A Host for unit tests: a scratch directory as root, a recording runner that fails on unexpected
// commands, a scripted HTTP client, a fixed clock, and in-memory log and output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host, HttpRequest, HttpResponse } from './host.js';
import { RootedFs } from './rooted-fs.js';
import { RecordingRunner } from './recording-runner.js';
import { KEYGEN_SCRIPT } from '../ssh/hostkeys.js';
import { fixedClock } from './clock.js';
import { MemoryLogger } from './file-logger.js';
import { MemoryOutput } from './stage-output.js';

type FakeReply = { status?: number; headers?: Record<string, string>; body?: Buffer | string };
export type FakeRoute = { status?: number; headers?: Record<string, string>; body?: Buffer | string } | ((req: HttpRequest) => FakeReply | Promise<FakeReply>) | Error;

export class FakeHttp {
  readonly requests: HttpRequest[] = [];
  readonly routes = new Map<string, FakeRoute>();
  /** What unknown URLs get: a 404 by default, or an Error to simulate an unreachable service. */
  fallback: FakeRoute = { status: 404, body: 'Not Found' };

  route(url: string, r: FakeRoute): this {
    this.routes.set(url, r);
    return this;
  }

  readonly request = async (req: HttpRequest): Promise<HttpResponse> => {
    this.requests.push(req);
    let r = this.routes.get(req.url) ?? this.fallback;
    if (r instanceof Error) throw r;
    if (typeof r === 'function') r = await r(req);
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    return { status: r.status ?? 200, headers: r.headers ?? {}, body };
  };

  urls(): string[] {
    return this.requests.map((r) => r.url);
  }
}

export interface TestHost extends Host {
  runner: RecordingRunner;
  fakeHttp: FakeHttp;
  logger: MemoryLogger;
  memOutput: MemoryOutput;
  clock: ReturnType<typeof fixedClock>;
  rootDir: string;
  cleanup(): void;
}

export function createTestHost(): TestHost {
  const rootDir = mkdtempSync(join(tmpdir(), 'kindling-agent-'));
  const runner = new RecordingRunner();
  const fakeHttp = new FakeHttp();
  const logger = new MemoryLogger();
  const memOutput = new MemoryOutput();
  return {
    fs: new RootedFs(rootDir),
    run: runner.run,
    http: fakeHttp.request,
    clock: fixedClock(),
    log: logger,
    output: memOutput,
    runner,
    fakeHttp,
    logger,
    memOutput,
    rootDir,
    cleanup: () => rmSync(rootDir, { recursive: true, force: true }),
  };
}

import { BufferedLogger } from './file-logger.js';
import { StageOutput } from './stage-output.js';
import type { RealHost } from './create-host.js';

export interface StageTestHost extends RealHost {
  runner: RecordingRunner;
  /** Background commands started (Host.background); each is "run" at once through the runner. */
  backgroundCalls: string[][];
  fakeHttp: FakeHttp;
  rootDir: string;
  /** Everything the stages printed: stdout, stderr, console. */
  printed: { stdout: string; stderr: string; console: string };
  /** Every log line, flushed or not. */
  logText(): string;
  cleanup(): void;
}

/** A RealHost-shaped host over a scratch root, for running whole stages in unit tests. */
export function createStageTestHost(rootDir?: string): StageTestHost {
  const dir = rootDir ?? mkdtempSync(join(tmpdir(), 'kindling-stage-'));
  const runner = new RecordingRunner();
  const fakeHttp = new FakeHttp();
  const printed = { stdout: '', stderr: '', console: '' };
  const stageOutput = new StageOutput({
    stdout: (t) => (printed.stdout += t),
    stderr: (t) => (printed.stderr += t),
    console: (t) => (printed.console += t),
  });
  let all = '';
  const logger = new BufferedLogger({ echo: (line) => stageOutput.err(line), echoLevel: 'WARNING' });
  const origLog = logger.log.bind(logger);
  logger.log = (level, name, message) => {
    all += `${name}[${level}]: ${message}\n`;
    origLog(level, name, message);
  };
  const clock = fixedClock();
  const backgroundCalls: string[][] = [];
  const rfs = new RootedFs(dir);
  return {
    fs: rfs,
    run: runner.run,
    backgroundCalls,
    // Runs the wrapped command through the recording runner at once and records its exit status
    // the way the real wrapper script does (output file, then the .done marker).
    async background(argv, opts) {
      backgroundCalls.push([...argv]);
      if (argv[0] === '/bin/sh' && argv[1] === '-c' && argv[2] === KEYGEN_SCRIPT) {
        // the host key script: ssh-keygen per type into the staging directory, then its .done
        const [dir, ...types] = argv.slice(4) as [string, ...string[]];
        for (const t of types) {
          const r = await runner.run(['ssh-keygen', '-t', t, '-N', '', '-f', `${dir}/ssh_host_${t}_key`]);
          await rfs.writeFile(`${dir}/${t}.out`, r.stdout, { mode: 0o600 });
          await rfs.writeFile(`${dir}/${t}.done`, `${r.code}\n`, { mode: 0o600 });
        }
        return;
      }
      const sh = argv[0] === '/bin/sh' && argv[1] === '-c';
      const [out, done, ...cmd] = sh ? argv.slice(4) : [opts.output, undefined, ...argv];
      const r = await runner.run(cmd as string[]);
      if (out) await rfs.writeFile(out, r.stdout, { mode: 0o600 });
      if (done) await rfs.writeFile(done, `${r.code}\n`, { mode: 0o600 });
    },
    http: fakeHttp.request,
    clock,
    log: logger,
    output: stageOutput,
    logger,
    stageOutput,
    runner,
    fakeHttp,
    rootDir: dir,
    printed,
    logText: () => all,
    async close() {
      await logger.flush();
      await stageOutput.flush();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
