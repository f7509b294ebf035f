// YAML out, shaped like cloud-init's safeyaml.dumps (PyYAML: explicit "---" and "...", indent 4,
// sorted keys, block style, sequences not indented under their key). Readers parse it the same;
// byte-for-byte quoting and folding choices can differ from PyYAML's (docs/compatibility.md).
import { stringify } from 'yaml';
import { sortKeys } from '../state/status.js';

export function dumpsLikePyYaml(v: unknown): string {
  const body = stringify(sortKeys(v), {
    version: '1.1',
    indent: 4,
    indentSeq: false,
    lineWidth: 80,
    minContentWidth: 20,
    aliasDuplicateObjects: false,
  });
  return `---\n${body}...\n`;
}
