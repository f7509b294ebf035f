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

/**
 * Parses a config of the usual shapes and returns it. Run while a startup snapshot is built, so
 * that the parser's functions are compiled in the snapshot rather than by every boot's first stage.
 */
export function warmUpYaml(): Record<string, unknown> | undefined {
  return loadYamlDict(WARM_UP_YAML);
}

const WARM_UP_YAML = [
  '# a system config of the usual shapes',
  'users:',
  '  - default',
  '  - name: someone',
  "    groups: [adm, 'sudo']",
  '    lock_passwd: true',
  '    shell: /bin/bash',
  'disable_root: true',
  'preserve_hostname: false',
  'datasource_list: [ OpenStack, None ]',
  'datasource:',
  '  OpenStack:',
  '    metadata_urls: ["http://169.254.169.254"]',
  '    max_wait: 10',
  '    timeout: 5.5',
  'cloud_init_modules:',
  ' - migrator',
  ' - [ ssh, always ]',
  'system_info:',
  '  distro: debian',
  '  default_user: {name: debian, sudo: ["ALL=(ALL) NOPASSWD:ALL"]}',
  '  paths: {cloud_dir: /var/lib/cloud/}',
  'output: {all: "| tee -a /var/log/cloud-init-output.log"}',
  'text: |',
  '  a block',
  '  of lines',
  'anchored: &a {x: 1}',
  'aliased: *a',
  'when: 2001-12-14t21:59:43.10-05:00',
  'nothing: ~',
  '',
].join('\n');
