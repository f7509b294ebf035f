// YAML out exactly as cloud-init's safeyaml.dumps writes it (PyYAML SafeDumper, indent 4, block
// style, explicit "---" and "..."), through the PyYAML-compatible writer the network code uses.
import { pyyamlDump } from '../network/pyyaml-dump.js';

export function dumpsLikePyYaml(v: unknown): string {
  return `---\n${pyyamlDump(v)}...\n`;
}
