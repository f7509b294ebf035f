import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RULES, findRule, type NormaliseContext } from './normalise.js';

test('dhcp leases: the time-based DUID is masked, also when dhclient escaped a quote byte inside it', async () => {
  const rule = findRule(DEFAULT_RULES, '/var/lib/dhcp/dhclient.eth0.leases')!;
  assert.equal(rule.name, 'dhcp-leases');
  const ctx = { path: '/var/lib/dhcp/dhclient.eth0.leases', side: 'a', passwords: {}, verifyPassword: async () => false } as NormaliseContext;
  const apply = rule.apply as (t: string, c: NormaliseContext) => string;
  for (const duid of ['"\\000\\001\\000\\0012\\230\\301\\"\\372\\026>\\330\\273\\201"', '"\\000\\001\\000\\001abc\\372"', '"\\\\"']) {
    assert.equal(apply(`default-duid ${duid};\nlease {\n}\n`, ctx), 'default-duid <duid>;\nlease {\n}\n', duid);
  }
});

test('dhcp leases: the weekday digit of lease times is masked with the time (runs that cross midnight)', () => {
  const rule = findRule(DEFAULT_RULES, '/var/lib/dhcp/dhclient.eth0.leases')!;
  const apply = rule.apply as (t: string, c: NormaliseContext) => string;
  const ctx = { path: '/var/lib/dhcp/dhclient.eth0.leases', side: 'a', passwords: {}, verifyPassword: async () => false } as NormaliseContext;
  const lease = (d: number, day: string) => `lease {\n  renew ${d} 2026/11/${day} 00:03:12;\n  rebind ${d} 2026/11/${day} 00:25:01;\n  expire ${d} 2026/11/${day} 00:33:12;\n}\n`;
  assert.equal(apply(lease(2, '24'), ctx), apply(lease(3, '25'), ctx));
  assert.match(apply(lease(2, '24'), ctx), /^ {2}renew <time>;$/m);
});

test('the code cache of kindling-init is ignored like Python bytecode', () => {
  assert.equal(findRule(DEFAULT_RULES, '/var/cache/kindling-init')?.apply, 'ignore');
  assert.equal(findRule(DEFAULT_RULES, '/var/cache/kindling-init/code-0123456789abcdef0123.bin')?.apply, 'ignore');
  assert.notEqual(findRule(DEFAULT_RULES, '/var/cache/kindling-initx/y')?.apply, 'ignore');
});
