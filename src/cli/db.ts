// `kindling db ...`: the store from the operator's side, without a running service.
import { loadServeConfig, ConfigError } from '../server/config.js';
import { openStore } from '../server/store/open-store.js';
import type { Store } from '../server/store/store.js';
import { CliError } from './control-client.js';
import { checkStores, copyStore, type Comparison } from './db-copy.js';

const USAGE = `Usage:
  kindling db migrate [--db FILE|URL]
      Apply pending schema migrations (kindling serve also does at start).
  kindling db status [--db FILE|URL] [--json]
      The store's migrations (applied, pending), revision and counts.
  kindling db copy --from FILE|URL --to FILE|URL [--prune]
      Copy every instance as it is (uuid, timestamps, user data, the guest's password) and then
      verify that the target holds each source record unchanged. Records already identical are
      not rewritten, so a second run writes nothing and an interrupted run resumes. Instances only
      the target has are listed, and deleted with --prune. Stop writes to the source first.
  kindling db copy --check --from FILE|URL --to FILE|URL
      Compare only; exit status 1 when the target differs.

FILE is an SQLite file (sqlite:FILE works too), URL a postgres://USER@HOST:PORT/DATABASE URL.
--db defaults as for kindling serve: KINDLING_DB, the config file, else STATE_DIR/kindling.db.
`;

function parse(argv: string[], valued: string[], flags: string[]): Map<string, string> {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : '';
    if (flags.includes(name) && eq < 0) opts.set(name, 'true');
    else if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new CliError(`--${name} needs a value`, 2);
      opts.set(name, v);
    } else throw new CliError(`unexpected argument ${JSON.stringify(a)}\n\n${USAGE}`, 2);
  }
  return opts;
}

/** --db, else what kindling serve would use (environment, config file, state directory). */
function dbOf(opts: Map<string, string>): string {
  const args = ['db', 'state-dir', 'config'].flatMap((k) => (opts.has(k) ? [`--${k}`, opts.get(k)!] : []));
  try {
    return loadServeConfig(args).db;
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 2);
    throw e;
  }
}

function open(spec: string, mustExist: boolean): Store {
  try {
    return openStore(spec, { mustExist });
  } catch (e) {
    throw new CliError((e as Error).message, 1);
  }
}

async function using<T>(stores: Store[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as Error).message, 1);
  } finally {
    for (const s of stores) await s.close().catch(() => undefined);
  }
}

function summary(c: Comparison): string {
  return `${c.identical} identical, ${c.differing.length} differing, ${c.missing.length} missing, ${c.extra.length} only in the target`;
}

function listSome(label: string, uuids: string[]): string[] {
  if (uuids.length === 0) return [];
  const shown = uuids.slice(0, 10).join(' ');
  return [`  ${label}: ${shown}${uuids.length > 10 ? ` … (${uuids.length} in all)` : ''}`];
}

export async function dbCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  switch (verb) {
    case 'migrate': {
      const store = open(dbOf(parse(rest, ['db', 'state-dir', 'config'], [])), false);
      return using([store], async () => {
        const applied = await store.migrate();
        out(applied.length ? `${store.description}: applied ${applied.join(', ')}` : `${store.description}: up to date`);
        return 0;
      });
    }
    case 'status': {
      const opts = parse(rest, ['db', 'state-dir', 'config'], ['json']);
      const store = open(dbOf(opts), true);
      return using([store], async () => {
        const st = await store.status();
        if (opts.has('json')) out(JSON.stringify(st, null, 2));
        else {
          out(`store:       ${st.description}`);
          out(`migrations:  ${st.applied.length} applied${st.applied.length ? ` (latest ${st.applied[st.applied.length - 1]})` : ''}, ${st.pending.length ? `pending: ${st.pending.join(', ')}` : 'none pending'}`);
          out(`revision:    ${st.revision}`);
          out(`instances:   ${st.instances} (${st.addresses} addresses, ${st.tombstones} deletions remembered)`);
        }
        return 0;
      });
    }
    case 'copy': {
      const opts = parse(rest, ['from', 'to'], ['prune', 'check']);
      const from = opts.get('from');
      const to = opts.get('to');
      if (!from || !to) throw new CliError(`db copy needs --from and --to\n\n${USAGE}`, 2);
      const source = open(from, true);
      const target = open(to, opts.has('check'));
      return using([source, target], async () => {
        if (source.description === target.description) throw new CliError('--from and --to are the same store', 2);
        // the source is read, never written: migrating it would be a write
        const st = await source.status();
        if (st.pending.length) throw new CliError(`${source.description} needs migrations first (kindling db migrate --db ${from})`, 1);
        if (opts.has('check')) {
          const c = await checkStores(source, target);
          out(`${source.description} → ${target.description}: ${summary(c)}`);
          for (const l of [...listSome('differing', c.differing), ...listSome('missing', c.missing), ...listSome('only in the target', c.extra)]) out(l);
          return c.differing.length + c.missing.length > 0 ? 1 : 0;
        }
        const applied = await target.migrate();
        if (applied.length) out(`${target.description}: applied ${applied.join(', ')}`);
        const r = await copyStore(source, target, { prune: opts.has('prune'), progress: out });
        out(`before: ${summary(r.before)}`);
        out(`wrote ${r.written} instance${r.written === 1 ? '' : 's'}${r.pruned ? `, deleted ${r.pruned} only in the target` : ''}`);
        const bad = r.after.differing.length + r.after.missing.length;
        out(`${bad === 0 ? 'verified' : 'NOT verified'}: ${summary(r.after)}`);
        for (const l of [...listSome('differing', r.after.differing), ...listSome('missing', r.after.missing), ...listSome('only in the target', r.after.extra)]) out(l);
        if (bad) out('the source changed during the copy, or the target is being written: stop its writers and run the copy again');
        return bad ? 1 : 0;
      });
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return verb === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown db command ${JSON.stringify(verb)}\n\n${USAGE}`, 2);
  }
}
