// `analyze {show,blame,dump,boot} [-i INFILE] [-o OUTFILE]`: timings from the event lines of
// /var/log/cloud-init.log (kindling-init's or cloud-init's own), as cloud-init's analyze prints them.
import * as fs from 'node:fs';
import type { Verb } from './args.js';
import { parseFlags } from './args.js';

const USAGE = 'usage: analyze [-h] {blame,show,dump,boot} ...';

const verb: Verb = async (g) => {
  const sub = g.rest[0];
  if (!sub || sub === '-h' || sub === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (!['show', 'blame', 'dump', 'boot'].includes(sub)) {
    process.stderr.write(`${USAGE}\nanalyze: error: argument subcommand: invalid choice: '${sub}' (choose from 'blame', 'show', 'dump', 'boot')\n`);
    return 2;
  }
  const p = parseFlags(g.rest.slice(1), {
    values: { '-i': 'infile', '--infile': 'infile', '-o': 'outfile', '--outfile': 'outfile', ...(sub === 'show' ? { '-f': 'format', '--format': 'format' } : {}) },
  });
  if (p.error || p.positional.length) {
    process.stderr.write(`${USAGE}\nanalyze: error: ${p.error ?? `unrecognized arguments: ${p.positional.join(' ')}`}\n`);
    return 2;
  }
  const { loadEvents } = await import('../../agent/analyze/events.js');
  const infile = (p.flags.infile as string | undefined) ?? '/var/log/cloud-init.log';
  const outfile = (p.flags.outfile as string | undefined) ?? '-';
  const root = process.env.KINDLING_INIT_ROOT || '/';
  let text: string;
  try {
    text = infile === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(infile.startsWith('/') ? `${root.replace(/\/$/, '')}${infile}` : infile, 'utf8');
  } catch {
    process.stderr.write(`Cannot open file ${infile}\n`);
    return 1;
  }
  const events = loadEvents(text, () => process.stderr.write('Skipping invalid entry\n'));
  let out: string;
  if (sub === 'dump') {
    const { jsonDumps } = await import('../../agent/state/status.js');
    // timestamps are floats in cloud-init's JSON: a whole second still prints as "1709632801.0"
    out = jsonDumps(events).replace(/("timestamp": -?\d+)(,?\n)/g, "$1.0$2");
  } else if (sub === 'boot') {
    const { createHost } = await import('../../agent/host/create-host.js');
    const { analyzeBoot } = await import('../../agent/analyze/boot.js');
    const host = createHost(root);
    out = (await analyzeBoot(host, events)).text;
  } else {
    const { analyzeShow, analyzeBlame } = await import('../../agent/analyze/show.js');
    try {
      out = sub === 'show' ? analyzeShow(events, (p.flags.format as string | undefined) ?? '%I%D @%Es +%ds') : analyzeBlame(events);
    } catch (e) {
      process.stderr.write(`analyze: error: unknown field ${(e as Error).message} in the format\n`);
      return 1;
    }
  }
  if (outfile === '-') process.stdout.write(out);
  else {
    try {
      fs.writeFileSync(outfile, out);
    } catch {
      process.stderr.write(`Cannot open file ${outfile}\n`);
      return 1;
    }
  }
  return 0;
};
export default verb;
