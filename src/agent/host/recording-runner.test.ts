import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingRunner } from './recording-runner.js';

test('answers declared commands and rejects unexpected ones', async () => {
  const r = new RecordingRunner().expect(['hostname', 'web1'], { code: 0 });
  assert.equal((await r.run(['hostname', 'web1'])).code, 0);
  await assert.rejects(r.run(['rm', '-rf', '/']), /unexpected command/);
  assert.throws(() => r.verify(), /unexpected: \["rm","-rf","\/"\]/);
});

test('verify reports a declared command that never ran', () => {
  const r = new RecordingRunner().expect(['locale-gen']);
  assert.throws(() => r.verify(), /expected 1 call/);
});
