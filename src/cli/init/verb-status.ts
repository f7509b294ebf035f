// `status [--long] [--wait] [--format tabular|json|yaml]`: this boot's state, with cloud-init's
// output formats and exit codes (0 done, 1 error, 2 recoverable errors).
import type { Verb } from './args.js';
import { parseFlags, usage } from './args.js';
import { RootedFs } from '../../agent/host/rooted-fs.js';
import { statusDetails, statusExitCode, type StatusDetails } from '../../agent/state/status-report.js';
import type { Host } from '../../agent/host/host.js';

function toDict(d: StatusDetails): Record<string, unknown> {
  const base: Record<string, unknown> = {
    boot_status_code: d.bootStatusCode,
    datasource: d.datasource,
    detail: d.description,
    errors: d.errors,
    extended_status: d.extendedStatus,
    last_update: d.lastUpdate,
    recoverable_errors: d.recoverableErrors,
    status: d.status,
  };
  return { ...base, ...d.stages, _schema_version: '1', schemas: { 1: { ...base } } };
}

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, {
    bools: { '--long': 'long', '-l': 'long', '--wait': 'wait', '-w': 'wait' },
    values: { '--format': 'format' },
    choices: { format: ['json', 'tabular', 'yaml'] },
  });
  if (p.error || p.positional.length) {
    process.stderr.write(`${usage(g.prog)}\n${g.prog}: error: ${p.error ?? `unrecognized arguments: ${p.positional.join(' ')}`}\n`);
    return 2;
  }
  const format = (p.flags.format as string | undefined) ?? 'tabular';
  const fs = new RootedFs(process.env.KINDLING_INIT_ROOT || '/');
  const host = { fs, log: { log() {} } } as unknown as Host;
  let d = await statusDetails(host);
  if (p.flags.wait) {
    while (d.status === 'not run' || d.status === 'running') {
      if (format === 'tabular') process.stdout.write('.');
      await new Promise((r) => setTimeout(r, 250));
      d = await statusDetails(host);
    }
  }
  if (format === 'tabular') {
    const prefix = p.flags.wait ? '\n' : '';
    let out = `${prefix}status: ${d.status}\n`;
    if (p.flags.long) {
      out += `extended_status: ${d.extendedStatus}\nboot_status_code: ${d.bootStatusCode}\n`;
      if (d.lastUpdate) out += `last_update: ${d.lastUpdate}\n`;
      out += `detail:\n${d.description}\n`;
      if (d.errors.length) out += `errors:\n${d.errors.map((e) => `\t- ${e}`).join('\n')}\n`;
      const rec = Object.entries(d.recoverableErrors);
      if (rec.length) out += `recoverable_errors:\n${rec.map(([lvl, msgs]) => `${lvl}:\n${msgs.map((m) => `\t- ${m}`).join('\n')}`).join('\n')}\n`;
    }
    process.stdout.write(out);
  } else if (format === 'json') {
    const { sortKeys } = await import('../../agent/state/status.js');
    process.stdout.write(`${JSON.stringify(sortKeys(toDict(d)), null, 2)}\n`);
  } else {
    const { dumpsLikePyYaml } = await import('../../agent/config/yaml-dump.js');
    process.stdout.write(`${dumpsLikePyYaml(toDict(d))}\n`);
  }
  return statusExitCode(d);
};
export default verb;
