// YAML as cloud-init reads it: PyYAML's safe_load (YAML 1.1 with PyYAML's own implicit types:
// yes/no/on/off booleans but y/n strings, 0755 octals, sexagesimals, timestamps, merge keys;
// duplicate keys allowed, the last one winning; aliases bounded against expansion bombs). The
// loader itself is shared with the network code (network/pyyaml-load.ts).
import { loadPyYaml } from '../network/pyyaml-load.js';

export class YamlError extends Error {}

export function loadYaml(text: string): unknown {
  try {
    return loadPyYaml(text);
  } catch (e) {
    // the first line only: later lines quote the document, which may hold secrets
    throw new YamlError((e as Error).message.split('\n')[0] ?? 'invalid YAML');
  }
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}

/** A YAML document that must be a mapping (cloud-init's load_yaml with allowed=(dict,)): else undefined. */
export function loadYamlDict(text: string): Record<string, unknown> | undefined {
  const v = loadYaml(text);
  return isDict(v) ? v : undefined;
}
