// A lab whose process is killed outright (SIGKILL: no finally, no exit handler) leaves nothing
// behind: its namespace inits die with it, and the reaper deletes namespaces, loop devices and the
// run directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from './command.js';

const here = new URL('.', import.meta.url).pathname;

test('SIGKILL of a lab process: namespaces, processes, loop devices and run dir are removed', { timeout: 120_000 }, async () => {
  const t = mkdtempSync(join(tmpdir(), 'kl-kill-'));
  try {
    const img = join(t, 'disk.img');
    await command(['truncate', '-s', '1M', img]);
    const child = `
      import { Lab } from ${JSON.stringify(join(here, 'lab.js'))};
      const lab = await Lab.start({ name: 'killed' });
      lab.hv.spawn('sleeper', ['sleep', '600']);
      const g = await lab.addGuest({ blockDevices: [{ image: ${JSON.stringify(img)} }] });
      await g.exec(['sh', '-c', 'sleep 600 >/dev/null 2>&1 &']);
      console.log(JSON.stringify({ dir: lab.dir, netns: [lab.hv.netns, g.netns], loop: g.devices[0].loop,
        pids: [lab.hv.sandbox.pid, g.sandbox.pid, ...lab.hv.sandbox.processes(), ...g.sandbox.processes()] }));
      setInterval(() => {}, 1000);
    `;
    const p = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ dir: string; netns: string[]; loop: string; pids: number[] }>((resolve, reject) => {
      let out = '';
      p.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      p.once('exit', (code) => reject(new Error(`lab process exited early (${code})`)));
    });
    assert.ok(existsSync(info.dir));
    assert.ok(info.pids.length >= 4);
    p.kill('SIGKILL');
    const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(safeRead(`/proc/${pid}/status`));
    let left: string[] = [];
    for (let i = 0; i < 100; i++) {
      const netns = (await command(['ip', 'netns', 'list'])).stdout;
      const loops = (await command(['losetup', '--list', '--noheadings', '--output', 'NAME'])).stdout.split(/\s+/);
      left = [
        ...info.netns.filter((n) => netns.includes(n)).map((n) => `netns ${n}`),
        ...(loops.includes(info.loop) ? [`loop ${info.loop}`] : []),
        ...info.pids.filter(alive).map((x) => `pid ${x}`),
        ...(existsSync(info.dir) ? [`dir ${info.dir}`] : []),
      ];
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(left, []);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
