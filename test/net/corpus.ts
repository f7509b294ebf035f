// The network config corpus (test/net-corpus/<case>/): one input file per case (input.json is
// network_data.json, input.yaml is network config v1/v2, input.eni is an interfaces file) and a
// meta.json with a description, the NIC table (-m name,mac pairs) the conversion assumes and, when
// the case needs them, files already present in the output directory (`existing`).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface CorpusCase {
  name: string;
  kind: 'network_data.json' | 'yaml' | 'eni';
  input: string;
  description: string;
  macs: string[];
  /** files already in the output directory (relative paths), e.g. a resolv.conf to merge with */
  existing: Record<string, string>;
}

export const CORPUS_DIR = join(repoRoot, 'test/net-corpus');

const KINDS: Array<[string, CorpusCase['kind']]> = [['input.json', 'network_data.json'], ['input.yaml', 'yaml'], ['input.eni', 'eni']];

export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => {
    const caseDir = join(dir, d.name);
    const found = KINDS.filter(([f]) => existsSync(join(caseDir, f)));
    if (found.length !== 1) throw new Error(`${d.name}: needs exactly one of ${KINDS.map(([f]) => f).join(', ')}`);
    const [file, kind] = found[0]!;
    const meta = JSON.parse(readFileSync(join(caseDir, 'meta.json'), 'utf8')) as { description?: string; macs?: string[]; existing?: Record<string, string> };
    if (!meta.description) throw new Error(`${d.name}: meta.json needs a description`);
    return { name: d.name, kind, input: readFileSync(join(caseDir, file), 'utf8'), description: meta.description, macs: meta.macs ?? [], existing: meta.existing ?? {} };
  }).sort((a, b) => a.name.localeCompare(b.name));
}
