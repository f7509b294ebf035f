// `init [--local]`: the local or the network stage.
import type { Verb } from './args.js';
import { parseFlags, usage } from './args.js';
import { runStage, stageEnv } from './stage-env.js';
import { runInit } from '../../agent/stages.js';
import { loadYaml } from '../../agent/config/yaml.js';

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, { bools: { '--local': 'local', '-l': 'local' } });
  if (p.error || p.positional.length) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${p.error ?? `unrecognized arguments: ${p.positional.join(' ')}`}\n`);
    return 2;
  }
  const env = stageEnv(g);
  return runStage(env, () => runInit(env, p.flags.local === true));
};
export default verb;

/**
 * Run once while a startup snapshot is built (scripts/agent-loader.js): parses a config of the usual
 * shapes, so that the YAML parser's functions are compiled in the snapshot rather than by every
 * boot's first stage.
 */
export function warmUp(): void {
  loadYaml(WARM_UP_YAML);
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
