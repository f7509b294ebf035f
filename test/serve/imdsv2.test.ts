// IMDSv2 tokens across processes: workers of one service, and a restart, agree on the key (it is
// derived from the control token), so a token works on whichever worker a connection reaches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, cleanup, http, loopbackSeed, startService } from './harness.js';

test('a token minted by one worker is honoured by the others and after a restart', async () => {
  const s = await startService(['--access-log', 'off', '--workers', '2']);
  let dir = s.dir;
  try {
    assert.equal((await api(s, 'POST', '/v1/instances', { ...loopbackSeed(), http_tokens: 'required' })).status, 201);
    // a registry change reaches every worker through the store's change feed: wait until both know
    let seen = 0;
    for (let i = 0; i < 100 && seen < 6; i++) {
      if ((await http(`${s.guest}/openstack/latest`)).status === 200) seen++;
      else {
        seen = 0;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal(seen, 6, 'both workers serve the instance');
    const put = await http(`${s.guest}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '600' } });
    assert.equal(put.status, 200);
    const token = put.text;
    // fresh connections are handed round-robin to the workers
    for (let i = 0; i < 8; i++) {
      const r = await http(`${s.guest}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': token } });
      assert.equal(r.status, 200, `request ${i}`);
      assert.equal(r.text, 'i-380cc09f25ce4a4ea');
    }
    await s.stop();
    const again = await startService(['--access-log', 'off'], { dir });
    dir = '';
    try {
      for (let i = 0; i < 50 && (await http(`${again.guest}/openstack/latest`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
      const r = await http(`${again.guest}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': token } });
      assert.equal(r.status, 200);
    } finally {
      await cleanup(again);
    }
  } finally {
    if (dir) await cleanup(s);
  }
});
