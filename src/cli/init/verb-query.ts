// `query [--all | --list-keys | --format TPL | VARNAME]`: instance-data as cloud-init's query
// prints it. root reads instance-data-sensitive.json (user-data and vendor-data included); other
// users get the redacted instance-data.json and a pointer to the files instead.
import type { Verb } from './args.js';
import { parseFlags } from './args.js';

const QUERY_USAGE = 'usage: query [-h] [-d] [-i INSTANCE_DATA] [-l] [-u USER_DATA] [-v VENDOR_DATA] [-a] [-f FORMAT] [varname]';

const verb: Verb = async (g) => {
  const p = parseFlags(g.rest, {
    bools: { '--debug': 'debug', '-d': 'debug', '--list-keys': 'listKeys', '-l': 'listKeys', '--all': 'all', '-a': 'all' },
    values: { '--instance-data': 'instanceData', '-i': 'instanceData', '--user-data': 'userData', '-u': 'userData', '--vendor-data': 'vendorData', '-v': 'vendorData', '--format': 'format', '-f': 'format' },
  });
  if (p.flags.help) {
    process.stdout.write(`${QUERY_USAGE}\n`);
    return 0;
  }
  if (p.error || p.positional.length > 1) {
    process.stderr.write(`${QUERY_USAGE}\n${g.prog} query: error: ${p.error ?? `unrecognized arguments: ${p.positional.slice(1).join(' ')}`}\n`);
    return 2;
  }
  const { runQuery } = await import('../../agent/query/query.js');
  return runQuery({
    varname: p.positional[0],
    all: !!p.flags.all,
    listKeys: !!p.flags.listKeys,
    format: p.flags.format as string | undefined,
    instanceData: p.flags.instanceData as string | undefined,
    userData: p.flags.userData as string | undefined,
    vendorData: p.flags.vendorData as string | undefined,
    debug: !!p.flags.debug || g.debug,
    usage: QUERY_USAGE,
  });
};
export default verb;
