import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, canonicalMac, macFromLinkLocal, peerKey } from './address.js';

test('canonical IPs compare as sockets report peers', () => {
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('fe80:0::a9fe:a9fe'), 'fe80::a9fe:a9fe');
  assert.equal(canonicalIp('::ffff:169.254.0.2'), '169.254.0.2');
  assert.equal(canonicalIp('fe80::1%eth0'), undefined);
  assert.equal(canonicalIp('10.0.0'), undefined);
  assert.equal(canonicalMac('FA:16:3E:D8:BB:81'), 'fa:16:3e:d8:bb:81');
  assert.equal(canonicalMac('fa-16-3e-d8-bb-81'), undefined);
});

test('peer keys strip the IPv4-mapped prefix and zones', () => {
  assert.equal(peerKey('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(peerKey('fe80::1%eth0'), 'fe80::1');
  assert.equal(peerKey('10.1.2.3'), '10.1.2.3');
  assert.equal(peerKey(undefined), '');
});

test('EUI-64 link-local addresses give back their MAC', () => {
  assert.equal(macFromLinkLocal('fe80::f816:3eff:fed8:bb81'), 'fa:16:3e:d8:bb:81');
  assert.equal(macFromLinkLocal('fe80::1'), undefined);
  assert.equal(macFromLinkLocal('2001:db8::f816:3eff:fed8:bb81'), undefined);
});
