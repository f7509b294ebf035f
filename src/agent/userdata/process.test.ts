import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createTestHost } from '../host/test-host.js';
import { UserDataProcessor } from './process.js';

const mime = `Content-Type: multipart/mixed; boundary="XX"
MIME-Version: 1.0

--XX
Content-Type: text/x-shellscript; charset="us-ascii"
Content-Disposition: attachment; filename="hello.sh"

#!/bin/sh
echo hi
--XX
Content-Type: text/cloud-config
Content-Transfer-Encoding: base64

I2Nsb3VkLWNvbmZpZwpydW5jbWQ6IFtsc10K
--XX--
`;

test('a #cloud-config blob is one part named part-001', async () => {
  const h = createTestHost();
  const parts = await new UserDataProcessor({ host: h }).process(Buffer.from('#cloud-config\na: 1\n'));
  assert.deepEqual(parts.map((p) => [p.contentType, p.filename]), [['text/cloud-config', 'part-001']]);
  h.cleanup();
});

test('MIME multipart with base64 parts, gzip and typing by first line', async () => {
  const h = createTestHost();
  const parts = await new UserDataProcessor({ host: h }).process(gzipSync(Buffer.from(mime)));
  assert.deepEqual(parts.map((p) => [p.contentType, p.filename]), [['text/x-shellscript', 'hello.sh'], ['text/cloud-config', 'part-002']]);
  assert.equal(parts[1]?.payload.toString(), '#cloud-config\nruncmd: [ls]\n');
  h.cleanup();
});

test('unknown text is kept as text/x-not-multipart for the handlers to warn about', async () => {
  const h = createTestHost();
  const parts = await new UserDataProcessor({ host: h }).process(Buffer.from('just words'));
  assert.equal(parts[0]?.contentType, 'text/x-not-multipart');
  h.cleanup();
});

test('#include fetches with bounded retries and logs a failure without stopping', async () => {
  const h = createTestHost();
  h.fakeHttp.route('http://10.0.0.1/a', { body: '#cloud-config\nx: 1\n' });
  h.fakeHttp.route('http://10.0.0.1/b', { status: 404 });
  const parts = await new UserDataProcessor({ host: h }).process(Buffer.from('#include\nhttp://10.0.0.1/b\nhttp://10.0.0.1/a\n'));
  assert.deepEqual(parts.map((p) => p.contentType), ['text/cloud-config']);
  assert.ok(h.logger.has(/404/));
  h.cleanup();
});

import { consumeParts, jinjaVars } from './consume.js';
import { Paths } from '../state/paths.js';

test('jinja variables: v1 keys at the top level, dashed keys aliased with underscores', () => {
  const v = jinjaVars({ v1: { 'local-hostname': 'h', region: 'r' }, ds: { meta_data: { 'x.y': 1 } } });
  assert.equal(v.local_hostname, 'h');
  assert.equal((v.v1 as Record<string, unknown>).local_hostname, 'h');
  assert.equal(((v.ds as Record<string, unknown>).meta_data as Record<string, unknown>).x_y, 1);
});

test('a "## template: jinja" part renders against instance data and is handled as its result', async () => {
  const h = createTestHost();
  try {
    await h.fs.writeFile('/run/cloud-init/instance-data-sensitive.json', JSON.stringify({ v1: { 'local-hostname': 'web7', region: null } }), { mode: 0o600 });
    const parts = await new UserDataProcessor({ host: h }).process(Buffer.from('## template: jinja\n#cloud-config\nruncmd:\n  - echo {{ v1.local_hostname }} {{ nope }}\n'));
    assert.equal(parts[0]?.contentType, 'text/jinja2');
    await consumeParts({ host: h, paths: new Paths(), iid: 'i-1', kind: 'userdata' }, parts);
    const cc = await h.fs.readText('/var/lib/cloud/instances/i-1/cloud-config.txt');
    assert.match(cc, /- echo web7 CI_MISSING_JINJA_VAR\/nope/);
    assert.ok(h.logger.has(/Could not render jinja template variables in file 'part-001': 'nope'/));
  } finally {
    h.cleanup();
  }
});
