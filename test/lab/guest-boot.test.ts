import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverScript, fourStages, parseBoot, summariseTimes } from './guest-boot.js';

test('stage timings: wall from the clock, CPU as the difference of cumulative `times`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kl-boot-'));
  try {
    const stages = fourStages(['cloud-init']);
    writeFileSync(join(dir, 'stages.tsv'), [
      'local\t0\t100.000\t100.500\t0m0.300s 0m0.100s',
      'networking\t0\t100.500\t100.600\t0m0.310s 0m0.110s',
      'network\t1\t100.600\t101.600\t0m1.310s 0m0.210s',
      'config\t0\t101.600\t103.000\t1m0.010s 0m0.310s',
      'final\t124\t103.000\t103.250\t1m0.110s 0m0.320s',
    ].join('\n') + '\n');
    const b = parseBoot(1, dir, stages);
    assert.deepEqual(b.stages.map((s) => [s.name, s.exitCode, s.wallSeconds, s.cpuSeconds]), [
      ['local', 0, 0.5, 0.4], ['networking', 0, 0.1, 0.02], ['network', 1, 1, 1.1], ['config', 0, 1.4, 58.8], ['final', 124, 0.25, 0.11],
    ]);
    assert.equal(b.stages[4]!.timedOut, true);
    assert.equal(b.ok, false);
    assert.equal(b.wallSeconds, 3.25);
    assert.equal(b.agentWallSeconds, 3.15);
    const t = summariseTimes([b, { ...b, agentWallSeconds: 5, stages: b.stages.map((s) => ({ ...s, wallSeconds: s.wallSeconds * 3 })) }]);
    assert.deepEqual(t.find((r) => r.name === 'local')!.wall, { median: 1, min: 0.5, max: 1.5 });
    assert.deepEqual(t.find((r) => r.name === 'total')!.wall, { median: 4.075, min: 3.15, max: 5 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('driver script quotes every argument', () => {
  const s = driverScript({
    merged: '/m', out: '/o', reboot: true, hostname: "it's", nics: [{ name: 'eth0', mac: 'fa:16:3e:00:00:01' }],
    env: { X: 'a b' }, stages: [{ name: 'x', argv: ['sh', '-c', 'echo "$HOME" $(id)'] }], defaultTimeoutMs: 5000,
  });
  assert.match(s, /^stage x 5s sh -c 'echo "\$HOME" \$\(id\)'$/m);
  assert.match(s, /^hostname 'it'\\''s'$/m);
  assert.match(s, /guest_env=\(PATH=[^ ]+ 'X=a b'\)/);
  assert.match(s, /umount -R -l/);
});
