// Starts the real `kindling serve` on ephemeral loopback ports with its own state directory, and
// runs the real CLI against it. Used by the end-to-end tests; stops what it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join, resolve } from 'node:path';

export const REPO = resolve(new URL('../../..', import.meta.url).pathname);
export const BIN = join(REPO, 'bin', 'kindling.js');
export const SEED_FILE = join(REPO, 'examples', 'seed-instance.json');

export interface Service {
  dir: string;
  guest: string; // http://127.0.0.1:PORT
  control: string;
  token: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  stderr(): string;
  stdout(): string;
  stop(): Promise<number | null>;
  /** The real CLI, with this service's URL and state directory. */
  cli(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string; raw: Buffer };
}

export async function startService(extraArgs: string[] = [], opts: { dir?: string } = {}): Promise<Service> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'kindling-e2e-'));
  const env = { ...process.env, KINDLING_STATE_DIR: dir, KINDLING_URL: '' } as NodeJS.ProcessEnv;
  delete env.KINDLING_TOKEN;
  delete env.KINDLING_TOKEN_FILE;
  const proc = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--control-listen', '127.0.0.1:0', ...extraArgs], {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const ports = await new Promise<{ guest: string; control: string }>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`kindling serve did not start:\n${err}`)), 15_000);
    proc.stderr!.on('data', (d) => {
      err += d;
      const g = /guest listener on (\S+)/.exec(err);
      const c = /control listener on (\S+)/.exec(err);
      if (g && c) {
        clearTimeout(timer);
        res({ guest: `http://${g[1]}`, control: `http://${c[1]}` });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`kindling serve exited ${code}:\n${err}`));
    });
  });
  const token = readFileSync(join(dir, 'control-token'), 'utf8').trim();
  env.KINDLING_URL = ports.control;
  return {
    dir, ...ports, token, env, proc,
    stderr: () => err,
    stdout: () => out,
    stop: () => new Promise((res) => {
      if (proc.exitCode !== null) return res(proc.exitCode);
      proc.once('exit', (code) => res(code));
      proc.kill('SIGTERM');
    }),
    cli(args, input) {
      const r = spawnSync(process.execPath, [BIN, ...args], { env, input, maxBuffer: 16 << 20 });
      return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), raw: r.stdout };
    },
  };
}

export function cleanup(s: Service): Promise<void> {
  return s.stop().then(() => rmSync(s.dir, { recursive: true, force: true }));
}

export function seedJson(): Record<string, any> {
  return JSON.parse(readFileSync(SEED_FILE, 'utf8'));
}

/** The seed with 127.0.0.1 added, so that tests on loopback are identified as it. */
export function loopbackSeed(): Record<string, any> {
  const s = seedJson();
  s.addresses.push({ ip: '127.0.0.1' });
  return s;
}

export interface HttpResult {
  status: number;
  body: Buffer;
  text: string;
  json: any;
  headers: IncomingHttpHeaders;
}

/**
 * One HTTP request on a fresh connection. The tests block their event loop in spawnSync (the CLI),
 * so a pooled keep-alive socket could be reused after the server has closed it.
 */
export function http(url: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', agent: false, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, text, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A control-API call with the service's token. */
export function api(s: Service, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return http(`${s.control}${path}`, {
    method,
    ...(payload !== undefined ? { body: payload } : {}),
    headers: { Authorization: `Bearer ${s.token}`, ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
  });
}

/** Runs `kindling serve ARGS` expecting it to refuse: returns status and stderr. */
export function serveFails(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-bad-'));
  try {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--control-listen', '127.0.0.1:0', ...args], {
      env: { ...process.env, KINDLING_STATE_DIR: dir, ...env }, timeout: 15_000,
    });
    return { status: r.status, stderr: r.stderr.toString() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
