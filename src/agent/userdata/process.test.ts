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
