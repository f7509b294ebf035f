// A real IMDS client: the AWS SDK's @aws-sdk/ec2-metadata-service, with IMDSv2 tokens, against
// an instance whose http_tokens is required.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { api, cleanup, http, loopbackSeed, startService, type Service } from './harness.js';

describe('AWS SDK IMDS client', () => {
  let s: Service;
  before(async () => {
    s = await startService(['--access-log', 'off']);
    const r = await api(s, 'POST', '/v1/instances', { ...loopbackSeed(), http_tokens: 'required', instance_type: 'm1.small' });
    assert.equal(r.status, 201, r.text);
  });
  after(() => cleanup(s));

  test('reads instance-id, the meta-data listing and user-data with IMDSv2 tokens', async () => {
    const imds = new MetadataService({ endpoint: s.guest, ec2MetadataV1Disabled: true, retries: 0 });
    assert.equal(await imds.request('/latest/meta-data/instance-id', {}), 'i-380cc09f25ce4a4ea');
    const listing = (await imds.request('/latest/meta-data/', {})).split('\n');
    for (const key of ['ami-id', 'instance-id', 'instance-type', 'local-ipv4', 'placement/', 'public-keys/']) assert.ok(listing.includes(key), key);
    assert.equal(await imds.request('/latest/meta-data/instance-type', {}), 'm1.small');
    assert.equal(await imds.request('/latest/user-data', {}), loopbackSeed().user_data);
    const doc = JSON.parse(await imds.request('/latest/dynamic/instance-identity/document', {}));
    assert.equal(doc.instanceId, 'i-380cc09f25ce4a4ea');
  });

  test('without a token the same requests are refused', async () => {
    const v1 = new MetadataService({ endpoint: s.guest, disableFetchToken: true, retries: 0 });
    await assert.rejects(v1.request('/latest/meta-data/instance-id', {}), /401/);
    assert.equal((await http(`${s.guest}/latest/meta-data/instance-id`)).status, 401);
  });
});
