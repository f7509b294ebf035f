import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedInstance } from '../../wire/instance.fixture.js';
import { toStored } from '../store/row.js';
import { InstanceIndex } from './instance-index.js';
import { RecordCodec, spreadSample } from './record-codec.js';

const ctx = { dhcpDomain: 'novalocal', vendorData: {}, now: () => Date.parse('2026-01-01T00:00:00Z') };

function fleet(n: number, from = 0) {
  return Array.from({ length: n }, (_, k) => {
    const j = from + k;
    return seedInstance({
      uuid: `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`,
      name: `vm-${j}`,
      hostname: `vm-${j}`,
      addresses: [{ ip: `10.0.${(j >> 8) & 255}.${j & 255}`, mac: `fa:16:3e:00:${((j >> 8) & 255).toString(16).padStart(2, '0')}:${(j & 255).toString(16).padStart(2, '0')}` }],
    });
  });
}

function body(index: InstanceIndex, uuid: string): string {
  // a version with no random_seed: the same bytes every time
  return index.byUuid(uuid)!.view().metaData('2012-08-10').body.toString('utf8');
}

test('a codec packs and unpacks any text exactly, like its samples or not', () => {
  const samples = fleet(3).map((i) => toStored(i).doc);
  const codec = RecordCodec.fromSamples(samples);
  const random = Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('');
  const texts = [
    ...samples,
    toStored(fleet(1, 4)[0]!).doc,
    '',
    '{}',
    'short',
    JSON.stringify({ name: 'ünïcödé ☃ 𝄞', meta: { k: '\u0000\u00ff\uffff' } }),
    'x'.repeat(200_000),
    random,
    `\u0001${samples[0]}\u0001\u0001${samples[1]!.slice(100)}\u0001`,
    samples[0]!.repeat(80),
    `${samples[0]}☃\u0001${samples[2]}`,
  ];
  for (const t of texts) assert.equal(codec.unpack(codec.pack(t)), t, t.slice(0, 40));
  // pieces pack as their concatenation
  for (const t of texts.slice(0, 6)) {
    const pieces = [t.slice(0, 7), '\u0002', t.slice(7, 500), '', t.slice(500)];
    assert.equal(codec.pack(pieces), codec.pack(pieces.join('')));
    assert.equal(codec.unpack(codec.pack(pieces)), pieces.join(''));
  }
  // a record of the same fleet packs to a small fraction of its text
  const other = toStored(fleet(1, 49)[0]!).doc;
  assert.ok(codec.pack(other).length * 10 < other.length, `${codec.pack(other).length} of ${other.length}`);
  // one unlike the samples still packs what it shares with them (field names, defaults)
  const unlike = toStored(seedInstance({ keys: [], name: 'x'.repeat(300), meta: { role: 'db' } })).doc;
  assert.ok(codec.pack(unlike).length < unlike.length * 0.8);
});

test('the reference keeps the last 64 KiB of the samples at most', () => {
  const codec = RecordCodec.fromSamples(Array.from({ length: 100 }, (_, i) => `${i}`.repeat(1000)));
  assert.equal(codec.referenceLength, 0xffff);
  const t = `${'99'.repeat(600)}${'0'.repeat(50)}`;
  assert.equal(codec.unpack(codec.pack(t)), t);
});

test('spreadSample picks evenly, all when there are few', () => {
  assert.deepEqual(spreadSample([1, 2, 3], 5), [1, 2, 3]);
  assert.deepEqual(spreadSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2), [2, 7]);
});

test('the index packs once it has enough entries to sample, then every later one as it arrives; guests see the same documents', () => {
  const plain = new InstanceIndex(ctx, 10, false);
  const index = new InstanceIndex(ctx, 10);
  const instances = fleet(2500);
  for (const i of instances.slice(0, 999)) {
    plain.upsert(i);
    index.upsert(i);
  }
  assert.equal(index.unpackedCount, 999);
  // a view rendered before packing stays valid
  const before = body(index, instances[3]!.uuid);
  for (const i of instances.slice(999)) {
    plain.upsert(i);
    index.upsert(i);
  }
  assert.equal(index.unpackedCount, 0);
  for (const i of instances) assert.ok(index.byUuid(i.uuid)!.packed);
  assert.equal(body(index, instances[3]!.uuid), before);
  for (const i of [...instances.slice(0, 30), ...instances.slice(2400)]) assert.equal(body(index, i.uuid), body(plain, i.uuid));
  // the stored form reads back as it was given, user data included
  const [p, q] = [index.byUuid(instances[7]!.uuid)!.stored(), plain.byUuid(instances[7]!.uuid)!.stored()];
  assert.deepEqual({ ...p, user_data: [...p.user_data!] }, { ...q, user_data: [...q.user_data!] });
  assert.equal(index.upsert({ ...instances[8]!, user_data: null }).stored().user_data, null);
  const bin = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) % 256);
  assert.deepEqual([...index.upsert({ ...instances[9]!, user_data: bin }).stored().user_data!], [...bin]);

  // a change is served as changed
  const changed = { ...instances[5]!, hostname: 'renamed', meta: { role: 'web', note: 'ünï' } };
  assert.ok(index.upsert(changed).packed);
  plain.upsert(changed);
  assert.match(body(index, changed.uuid), /"hostname": "renamed\.novalocal"/);
  assert.equal(body(index, changed.uuid), body(plain, changed.uuid));
  index.remove(changed.uuid);
  assert.equal(index.byUuid(changed.uuid), undefined);
});

test('packAll packs a small fleet; entries replaced or removed before are not packed', () => {
  const index = new InstanceIndex(ctx, 10);
  const instances = fleet(20);
  for (const i of instances) index.upsert(i);
  const old = index.byUuid(instances[0]!.uuid)!;
  index.upsert({ ...instances[0]!, name: 'new' });
  index.remove(instances[1]!.uuid);
  index.packAll();
  assert.equal(old.packed, false);
  assert.equal(index.unpackedCount, 0);
  assert.ok(index.byUuid(instances[0]!.uuid)!.packed);
  assert.ok(index.upsert(fleet(1, 30)[0]!).packed);
});

test('an index told not to pack keeps the text as stored', () => {
  const index = new InstanceIndex(ctx, 10, false);
  for (const i of fleet(1200)) index.upsert(i);
  index.packAll();
  assert.equal(index.byUuid(fleet(1)[0]!.uuid)!.packed, false);
});
