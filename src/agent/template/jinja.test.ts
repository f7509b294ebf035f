import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJinja } from './jinja.js';

test('variables, comments with whitespace control, trim_blocks, if and for', () => {
  const src = '{#\ncomment\n-#}\n127.0.1.1 {{fqdn}} {{ hostname }}\n{% if ntp %}\nntp on\n{% else %}\nntp off\n{% endif %}\n{% for s in servers %}server {{ s }}\n{% endfor %}\n';
  assert.equal(renderJinja(src, { fqdn: 'a.b', hostname: 'a', ntp: false, servers: ['x', 'y'] }), '127.0.1.1 a.b a\nntp off\nserver x\nserver y\n\n');
});

test('missing variables render as CI_MISSING_JINJA_VAR', () => {
  assert.equal(renderJinja('{{ v1.region }}', { v1: {} }), 'CI_MISSING_JINJA_VAR/region');
  assert.equal(renderJinja('{{ nope | default("d") }}', {}), 'd');
});
