import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4MaskToPrefix, ipv6MaskToPrefix, isIPNetwork, isIPv4Address, isIPv6Address, parseIPv6, prefixToIPv4Mask } from './ip.js';

test('IPv4 addresses follow Python ipaddress: no leading zeros, four octets', () => {
  for (const ok of ['0.0.0.0', '10.0.0.1', '255.255.255.255']) assert.ok(isIPv4Address(ok), ok);
  for (const bad of ['010.0.0.1', '10.0.0', '10.0.0.256', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.+4', '']) assert.ok(!isIPv4Address(bad), bad);
});

test('IPv6 addresses: compression, embedded IPv4, scope ids', () => {
  for (const ok of ['::', '::1', 'fe80::1%eth0', '2001:db8::1', '1:2:3:4:5:6:7:8', '::ffff:10.0.0.1', '1::', '1:2:3:4:5:6::8']) assert.ok(isIPv6Address(ok), ok);
  for (const bad of [':::', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::2', '1::2:', '12345::', 'fe80::1%', '1:2:3:4:5:6:7', '::ffff:10.0.0']) assert.ok(!isIPv6Address(bad), bad);
  assert.equal(parseIPv6('::ffff:10.0.0.1'), 0xffff0a000001n);
});

test('masks: prefixes, netmasks and host masks for IPv4; prefixes and address masks for IPv6', () => {
  assert.equal(ipv4MaskToPrefix('24'), 24);
  assert.equal(ipv4MaskToPrefix('255.255.252.0'), 22);
  assert.equal(ipv4MaskToPrefix('0.0.0.255'), 24); // a host mask
  assert.equal(ipv4MaskToPrefix('0.0.0.0'), 0);
  assert.equal(ipv4MaskToPrefix('255.0.255.0'), undefined);
  assert.equal(ipv4MaskToPrefix('33'), undefined);
  assert.equal(ipv6MaskToPrefix('64'), 64);
  assert.equal(ipv6MaskToPrefix('ffff:ffff:ffff:ff00::'), 56);
  assert.equal(ipv6MaskToPrefix('ffff::ffff'), undefined);
  assert.equal(prefixToIPv4Mask(0), '0.0.0.0');
  assert.equal(prefixToIPv4Mask(23), '255.255.254.0');
  assert.equal(prefixToIPv4Mask(32), '255.255.255.255');
});

test('networks accept host bits and either kind of mask (strict=False)', () => {
  for (const ok of ['10.0.0.5/24', '10.0.0.5/255.255.255.0', '10.0.0.5', '2001:db8::5/64', '0.0.0.0/0']) assert.ok(isIPNetwork(ok), ok);
  for (const bad of ['10.0.0.5/', '10.0.0.5/33', '2001:db8::/ffff::', '10.0.0.5/24/1', 'default']) assert.ok(!isIPNetwork(bad), bad);
});
