// safeyaml.dumps' layout (PyYAML 6 SafeDumper, indent 4, explicit start and end), from PyYAML itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpsLikePyYaml } from './yaml-dump.js';

test('dumps: the root on the --- line unless it is a non-empty block collection', () => {
  const cases: [unknown, string][] = [
    [{}, '--- {}\n...\n'],
    [[], '--- []\n...\n'],
    ['foo', '--- foo\n...\n'],
    [5, '--- 5\n...\n'],
    [null, '--- null\n...\n'],
    [{ a: 1 }, '---\na: 1\n...\n'],
    ['multi\nline', "--- 'multi\n\n    line'\n...\n"],
    [{ runcmd: ['ls', ['echo', 'a b']], write_files: [{ path: '/x', content: 'y\n' }] }, "---\nruncmd:\n- ls\n-   - echo\n    - a b\nwrite_files:\n-   content: 'y\n\n        '\n    path: /x\n...\n"],
  ];
  for (const [v, want] of cases) assert.equal(dumpsLikePyYaml(v), want, JSON.stringify(v));
});
