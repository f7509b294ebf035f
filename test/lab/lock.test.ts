import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './lock.js';

test('withFileLock: holders never overlap, and a killed holder releases the lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kl-lock-'));
  try {
    const lock = join(dir, 'lock');
    const events: string[] = [];
    const hold = (name: string, ms: number) =>
      withFileLock(lock, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`${name}-`);
      });
    await Promise.all([hold('a', 150), hold('b', 50), hold('c', 10)]);
    for (let i = 0; i < events.length; i += 2) assert.equal(events[i]!.slice(0, -1), events[i + 1]!.slice(0, -1), events.join(' '));

    // another process takes the lock and dies by SIGKILL while holding it
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `import { withFileLock } from ${JSON.stringify(new URL('./lock.js', import.meta.url).pathname)};
       await withFileLock(${JSON.stringify(lock)}, async () => { console.log('held'); await new Promise(() => {}); });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout!.once('data', r));
    let got = false;
    const waiter = withFileLock(lock, async () => { got = true; });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got, false, 'the lock is held by the other process');
    child.kill('SIGKILL');
    await waiter;
    assert.equal(got, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
