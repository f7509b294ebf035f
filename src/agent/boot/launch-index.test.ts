import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHost } from '../host/test-host.js';
import { filterLaunchIndex } from './userdata-steps.js';
import type { DatasourceData } from '../datasources/types.js';
import type { UserDataPart } from '../userdata/process.js';

const part = (name: string, li?: string): UserDataPart => ({
  contentType: 'text/x-shellscript',
  filename: name,
  headers: li === undefined ? [] : [['Launch-Index', li]],
  payload: Buffer.from('#!/bin/sh\n'),
});

test('launch index filter: parts for other launch indexes are dropped; none known keeps all', () => {
  const h = createTestHost();
  try {
    const parts = [part('any'), part('zero', '0'), part('one', '1'), part('spaced', ' 0 '), part('junk', 'x')];
    const ds = (launchIndex: number | undefined, md: Record<string, unknown> = {}) => ({ metadata: md, ...(launchIndex !== undefined ? { launchIndex } : {}) }) as DatasourceData;
    assert.deepEqual(filterLaunchIndex({ host: h }, ds(0), parts).map((p) => p.filename), ['any', 'zero', 'spaced']);
    assert.deepEqual(filterLaunchIndex({ host: h }, ds(1), parts).map((p) => p.filename), ['any', 'one']);
    assert.deepEqual(filterLaunchIndex({ host: h }, ds(undefined, { 'launch-index': '1' }), parts).map((p) => p.filename), ['any', 'one'], "the base datasource's metadata key");
    assert.equal(filterLaunchIndex({ host: h }, ds(undefined, { launch_index: 1 }), parts).length, 5, 'no launch index known: nothing filtered');
    assert.match(h.logger.text(), /Discarding 3 multipart messages which do not match launch index 1/);
  } finally {
    h.cleanup();
  }
});
