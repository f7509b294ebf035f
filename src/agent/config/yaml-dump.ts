// YAML out exactly as cloud-init's safeyaml.dumps writes it (PyYAML SafeDumper, indent 4, block
// style, explicit "---" and "..."), through the PyYAML-compatible writer the network code uses.
// A root that is not a block collection (a scalar, {} or []) goes on the "---" line, as PyYAML's.
import { pyyamlDump } from '../network/pyyaml-dump.js';

export function dumpsLikePyYaml(v: unknown): string {
  const body = pyyamlDump(v);
  const block = v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && Object.keys(v as object).length > 0;
  return block ? `---\n${body}...\n` : `--- ${body}...\n`;
}
