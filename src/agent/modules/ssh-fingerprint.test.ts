import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { hexFingerprint, sha256, sha256Fingerprint } from './ssh-fingerprint.js';

test('sha256 in JavaScript equals node:crypto on every length around the block boundaries and on random data', () => {
  for (let n = 0; n <= 300; n++) {
    const data = randomBytes(n);
    assert.equal(sha256(data).toString('hex'), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
  const big = randomBytes(70_000);
  assert.equal(sha256(big).toString('hex'), createHash('sha256').update(big).digest('hex'));
  assert.equal(sha256(Buffer.from('abc')).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('fingerprints: SHA256: base64 as ssh-keygen prints it, hex with colons for sha256 and other hashes', () => {
  const blob = randomBytes(279);
  const b64 = blob.toString('base64');
  assert.equal(sha256Fingerprint(b64), `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
  assert.equal(hexFingerprint(b64), createHash('sha256').update(blob).digest('hex').match(/../g)!.join(':'));
  assert.equal(hexFingerprint(b64, 'md5'), createHash('md5').update(blob).digest('hex').match(/../g)!.join(':'));
  assert.equal(hexFingerprint(b64, 'no-such-hash'), '?');
});
