import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createTestHost } from '../host/test-host.js';
import { UserDataProcessor } from './process.js';
import { serializeMultipart } from './mime.js';

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

// Golden outputs of cloud-init 22.4.2's UserDataProcessor (str(message), boundary replaced): header
// order, MIME-Version only on parts it creates, Launch-Index added again, encoded bodies kept.
const GOLDEN: Record<string, [string, string]> = {
  "single": [
    "#cloud-config\nruncmd: [ls]\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 1\n\n--BOUNDARY\nMIME-Version: 1.0\nContent-Type: text/cloud-config\nContent-Disposition: attachment; filename=\"part-001\"\n\n#cloud-config\nruncmd: [ls]\n\n--BOUNDARY--\n"
  ],
  "archive": [
    "#cloud-config-archive\n- content: \"#!/bin/sh\\necho hi\\n\"\n- {type: text/cloud-config, content: \"a: 1\", filename: x.cfg, launch-index: 2}\n- {content: \"caf\\u00e9 #!\", type: text/plain}\n- {content: \"#cloud-config\\nb: 2\\n\", X-Extra: \"yes\"}\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 4\n\n--BOUNDARY\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Disposition: attachment; filename=\"part-001\"\n\n#!/bin/sh\necho hi\n\n--BOUNDARY\nContent-Type: text/cloud-config; charset=\"us-ascii\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Disposition: attachment; filename=\"x.cfg\"\nLaunch-Index: 2\nLaunch-Index: 2\n\na: 1\n--BOUNDARY\nContent-Type: text/plain; charset=\"utf-8\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"part-003\"\n\nY2Fmw6kgIyE=\n\n--BOUNDARY\nContent-Type: text/cloud-config; charset=\"us-ascii\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nX-Extra: yes\nContent-Disposition: attachment; filename=\"part-004\"\n\n#cloud-config\nb: 2\n\n--BOUNDARY--\n"
  ],
  "gzip-mime": [
    "Content-Type: multipart/mixed; boundary=\"B\"\nMIME-Version: 1.0\n\n--B\nContent-Type: application/x-gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"z.sh\"\nLaunch-Index: 3\n\nH4sIAInYBWsC/1NW1E/KzNMvzuBKTc7IV6jiAgAbKroaEQAAAA==\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\nIyEvYmluL3NoCmVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVj\naG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5l\nIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIAo=\n--B\n\n#cloud-config\nlaunch-index: 1\nc: 3\n--B\nContent-Type: text/plain\nLaunch-Index: 0\n\n#cloud-config\nd: 4\n--B--\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 4\n\n--BOUNDARY\nMIME-Version: 1.0\nContent-Disposition: attachment; filename=\"z.sh\"\nLaunch-Index: 3\nContent-Type: text/x-shellscript\nLaunch-Index: 3\n\n#!/bin/sh\necho z\n\n--BOUNDARY\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"part-002\"\n\nIyEvYmluL3NoCmVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVj\naG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5l\nIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIGVjaG8gbG9uZyBsaW5lIAo=\n--BOUNDARY\nContent-Type: text/cloud-config\nContent-Disposition: attachment; filename=\"part-003\"\nLaunch-Index: 1\n\n#cloud-config\nlaunch-index: 1\nc: 3\n--BOUNDARY\nLaunch-Index: 0\nContent-Type: text/cloud-config\nContent-Disposition: attachment; filename=\"part-004\"\nLaunch-Index: 0\n\n#cloud-config\nd: 4\n--BOUNDARY--\n"
  ],
  "nonmulti-mime": [
    "MIME-Version: 1.0\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho nm\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 1\n\n--BOUNDARY\nMIME-Version: 1.0\nContent-Type: text/x-shellscript\nContent-Disposition: attachment; filename=\"part-001\"\n\n#!/bin/sh\necho nm\n\n--BOUNDARY--\n"
  ],
  "empty": [
    "",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 1\n\n--BOUNDARY\nMIME-Version: 1.0\nContent-Type: text/x-not-multipart\nContent-Disposition: attachment; filename=\"part-001\"\n\n\n--BOUNDARY--\n"
  ],
  "plain-text": [
    "just some text\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 1\n\n--BOUNDARY\nMIME-Version: 1.0\nContent-Type: text/x-not-multipart\nContent-Disposition: attachment; filename=\"part-001\"\n\njust some text\n\n--BOUNDARY--\n"
  ],
  "nonmulti-mime2": [
    "Content-Type: text/x-shellscript\nMIME-Version: 1.0\nX-A: b\n\n#!/bin/sh\necho nm\n",
    "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\nMIME-Version: 1.0\nNumber-Attachments: 1\n\n--BOUNDARY\nMIME-Version: 1.0\nX-A: b\nContent-Type: text/x-shellscript\nContent-Disposition: attachment; filename=\"part-001\"\n\n#!/bin/sh\necho nm\n\n--BOUNDARY--\n"
  ]
};

test('user-data.txt.i is laid out as cloud-init 22.4.2 lays it out', async () => {
  for (const [name, [input, want]] of Object.entries(GOLDEN)) {
    const h = createTestHost();
    try {
      const parts = await new UserDataProcessor({ host: h }).process(Buffer.from(input, 'utf8'));
      const got = serializeMultipart([['Number-Attachments', String(parts.length)]], parts).replace(/===============\d{19}==/g, 'BOUNDARY');
      assert.equal(got, want, name);
    } finally {
      h.cleanup?.();
    }
  }
});
