// A machine-wide reader/writer lock around the shared PostgreSQL server: tests that need it up hold
// the shared side, the test that restarts it holds the exclusive side. flock(1) keeps the lock for
// as long as its child reads our stdin, so a crashed test never leaves it behind.
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = join(tmpdir(), 'kindling-test-postgres.lock');

/** Takes the lock; resolves to the function that releases it. */
export async function acquirePgLock(mode: 'shared' | 'exclusive', waitMs = 10 * 60_000): Promise<() => Promise<void>> {
  const child = spawn('flock', [`--${mode}`, LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${LOCK_FILE}: not granted (${mode}) within ${waitMs} ms`));
    }, waitMs);
    child.stdout.once('data', () => {
      clearTimeout(limit);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(limit);
      reject(new Error(`${LOCK_FILE}: flock exited with ${code}`));
    });
  });
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    await exited;
  };
}

export async function withPgLock<T>(mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
  const release = await acquirePgLock(mode);
  try {
    return await fn();
  } finally {
    await release();
  }
}
