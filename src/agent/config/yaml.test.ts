import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpYaml } from './yaml.js';

test("the startup snapshot's warm-up parses its whole sample (the snapshot builder ignores a failure)", () => {
  const v = warmUpYaml();
  assert.ok(v);
  assert.deepEqual(v.cloud_init_modules, ['migrator', ['ssh', 'always']]);
  assert.deepEqual(v.aliased, { x: 1 });
  assert.equal(v.text, 'a block\nof lines\n');
  assert.ok(v.when instanceof Date);
  assert.equal(v.nothing, null);
  assert.equal((v.datasource as { OpenStack: { timeout: number } }).OpenStack.timeout, 5.5);
});
