// An exclusive lock shared by every process on this machine (parallel test files, several engineers):
// flock(1) holds the lock for as long as its child `cat` reads our stdin, so the lock is released the
// moment we release it or our process dies (the pipe closes), never left behind by a crash.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: { waitMs?: number; onWait?: () => void } = {}): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const child = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    const waitTimer = setTimeout(() => opts.onWait?.(), 1000);
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lock ${path}: still held by another process after ${opts.waitMs} ms`));
    }, opts.waitMs ?? 30 * 60_000);
    child.stdout.once('data', () => {
      clearTimeout(waitTimer);
      clearTimeout(limit);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(waitTimer);
      clearTimeout(limit);
      reject(new Error(`lock ${path}: flock exited with ${code}`));
    });
  });
  try {
    return await fn();
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    await exited;
  }
}
