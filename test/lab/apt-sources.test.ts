import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debianSourcesFor, parseDeb822Sources, parseOneLineSources, renderDeb822, hostAptSources } from './apt-sources.js';

test('deb822: picks the suite, its companions, skips disabled and other archives', () => {
  const text = [
    'Types: deb deb-src',
    '# a comment',
    'URIs: http://mirror.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main contrib',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    'Types: deb',
    'URIs: http://mirror.example/debian-security',
    'Suites: bookworm-security',
    'Components: main',
    '',
    'Enabled: no',
    'Types: deb',
    'URIs: http://disabled.example/debian',
    'Suites: bookworm',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://other.example/node',
    'Suites: nodistro',
    'Components: main',
  ].join('\n');
  const all = parseDeb822Sources(text);
  assert.equal(all.length, 3);
  const { mirror, entries } = debianSourcesFor('bookworm', all);
  assert.equal(mirror, 'http://mirror.example/debian');
  assert.deepEqual(entries.map((e) => e.suites), [['bookworm', 'bookworm-updates'], ['bookworm-security']]);
  assert.match(renderDeb822(entries), /URIs: http:\/\/mirror.example\/debian-security\nSuites: bookworm-security\nComponents: main\n/);
});

test('one-line sources.list with options', () => {
  const all = parseOneLineSources('deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n# deb http://x bookworm main\n');
  assert.deepEqual(all, [{ types: ['deb'], uris: ['http://m.example/debian'], suites: ['bookworm'], components: ['main'], signedBy: '/k.gpg' }]);
});

test('no entry for the suite is a clear error', () => {
  assert.throws(() => debianSourcesFor('bookworm', []), /no Debian mirror for bookworm/);
});

test("this host's apt configuration names a bookworm mirror", () => {
  assert.match(debianSourcesFor('bookworm', hostAptSources()).mirror, /^https?:\/\//);
});
