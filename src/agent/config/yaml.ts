// YAML as cloud-init reads it: PyYAML's safe_load, i.e. YAML 1.1 (yes/no/on/off booleans, 0755
// octals, sexagesimals, timestamps, merge keys), duplicate keys allowed with the last one winning,
// aliases bounded against expansion bombs.
import { parse } from 'yaml';

export class YamlError extends Error {}

export function loadYaml(text: string): unknown {
  try {
    return parse(text, {
      version: '1.1',
      uniqueKeys: false,
      merge: true,
      maxAliasCount: 1000,
      prettyErrors: false,
      strict: false,
    });
  } catch (e) {
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
