// `collect-logs [-v] [-t TARFILE] [-u]`: a tarball of logs and state for a bug report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verb } from './args.js';

const USAGE = 'usage: collect-logs [-h] [--verbose] [--tarfile TARFILE] [--include-userdata]';

const verb: Verb = async (g) => {
  let tarfile = 'cloud-init.tar.gz';
  let includeUserdata = false;
  let verbosity = 0;
  const args = g.rest;
  for (let i = 0; i < args.length; i++) {
    const x = args[i] as string;
    if (x === '-u' || x === '--include-userdata') includeUserdata = true;
    else if (x === '--verbose') verbosity++;
    else if (/^-v+$/.test(x)) verbosity += x.length - 1;
    else if (x === '-t' || x === '--tarfile') {
      const v = args[++i];
      if (v === undefined) {
        process.stderr.write(`${USAGE}\ncollect-logs: error: argument --tarfile/-t: expected one argument\n`);
        return 2;
      }
      tarfile = v;
    } else if (x.startsWith('--tarfile=')) tarfile = x.slice(10);
    else if (x === '-h' || x === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else {
      process.stderr.write(`${USAGE}\ncollect-logs: error: unrecognized arguments: ${x}\n`);
      return 2;
    }
  }
  const { collectLogs } = await import('../../agent/tools/collect-logs.js');
  const { createHost } = await import('../../agent/host/create-host.js');
  const host = createHost(process.env.KINDLING_INIT_ROOT || '/');
  const uid = process.getuid?.() ?? 0;
  const r = await collectLogs(host, { tarfile, includeUserdata, verbosity, uid, now: new Date() }, (m) => process.stderr.write(m));
  if (r.code !== 0 || !r.tar) return r.code;
  const out = path.resolve(tarfile);
  // written next to its destination and renamed: a reader never sees half a tarball
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, r.tar, { mode: 0o600 });
  fs.renameSync(tmp, out);
  process.stderr.write(`Wrote ${out}\n`);
  return 0;
};
export default verb;
