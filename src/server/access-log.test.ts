import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { safePath, StreamAccessLog } from './access-log.js';

test('paths are logged without query strings and on one line', () => {
  assert.equal(safePath('/latest/meta-data?token=secret'), '/latest/meta-data');
  assert.equal(safePath('/a\nFAKE 200'), '"/a\\nFAKE 200"');
  assert.equal(safePath(`/${'x'.repeat(400)}`), `/${'x'.repeat(255)}...`);
});

test('one line per request: who, what, answer; batched per tick', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const log = new StreamAccessLog(out);
  log.guest('169.254.169.254:80', '169.254.0.2', 'GET', '/openstack/latest/user_data?x=1', 'abc', 200, 115);
  log.guest('169.254.169.254:80', '10.0.0.9', 'PUT', '/latest/api/token', undefined, 404, 10);
  log.control('127.0.0.1', 'POST', '/v1/instances', 201, 3.25);
  assert.equal(text, '');
  await new Promise((r) => setImmediate(r));
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z guest listener=169\.254\.169\.254:80 peer=169\.254\.0\.2 instance=abc GET \/openstack\/latest\/user_data 200 115$/);
  assert.match(lines[1]!, / instance=- PUT \/latest\/api\/token 404 10$/);
  assert.match(lines[2]!, / control peer=127\.0\.0\.1 POST \/v1\/instances 201 3\.3ms$/);
});
