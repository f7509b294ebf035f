// SSH host key generation, started early. RSA-3072 key generation alone takes a few hundred
// milliseconds of CPU, and the ssh module needs it in the middle of the network stage. So the
// local stage of a new instance starts ssh-keygen in the background, into a private staging
// directory under /run, for the key types the system config asks for; the ssh module then takes
// the finished keys (waiting if needed), and generates itself whatever was not staged. The result
// is the same files cloud-init writes, by the same tool; only the start time moves.
//
// On an image's first boot (no instance has run on it yet) the slow types start earlier still, as
// the local stage begins, before the datasource is searched for: the search (a DHCP lease and a
// request) then runs while the key's primes are sought. They wait in a staging directory of their
// own: the ssh module of a new instance takes them from there as from its own, and a boot that
// proves not to be a new instance's discards them.
import type { Host } from '../host/host.js';

export const KEY_FILE = (t: string) => `/etc/ssh/ssh_host_${t}_key`;
export const DEFAULT_KEY_TYPES = ['rsa', 'dsa', 'ecdsa', 'ed25519'];

// Runs ssh-keygen for each key type given, all at once (one background process for the agent to
// start, not one per type), each with its output in a file and its exit status recorded atomically
// when it ends. The script text is constant; the directory and the (validated) key types arrive as
// arguments, never inside the script.
export const KEYGEN_SCRIPT =
  'dir=$1; shift; for t in "$@"; do (ssh-keygen -t "$t" -N "" -f "$dir/ssh_host_${t}_key" </dev/null >"$dir/$t.out" 2>&1; echo $? >"$dir/$t.done.tmp" && mv "$dir/$t.done.tmp" "$dir/$t.done") & done; wait';

const STAGING = '/run/kindling-init/hostkeys';

function stagingDir(iid: string): string {
  return `${STAGING}/${iid.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The first boot's staging directory ('+' is in no instance's directory name). */
const FIRST_BOOT_DIR = `${STAGING}/+first-boot`;

/** Where a key of `type` was started for instance `iid`: its own staging directory, else the first boot's. */
async function stagedIn(host: Host, iid: string, type: string): Promise<string | undefined> {
  for (const dir of [stagingDir(iid), FIRST_BOOT_DIR]) if (await host.fs.exists(`${dir}/${type}.started`)) return dir;
  return undefined;
}

/**
 * The key types worth starting before the instance is known: RSA only, whose prime search takes
 * 0.2-0.8 s of CPU (ssh-keygen in the lab's Debian image); DSA, ECDSA and Ed25519 take 20 ms or
 * less, and started with the rest they are named after the instance's hostname from the start.
 */
export const SLOW_KEY_TYPES = ['rsa'];

const VALID_TYPE = /^[a-z0-9-]{1,32}$/;

/**
 * Starts background generation of host keys for `types`, those the first boot started excepted;
 * quietly does nothing where it cannot.
 */
export async function startHostKeyGeneration(host: Host, iid: string, types: string[]): Promise<string[]> {
  return startIn(host, stagingDir(iid), types);
}

/**
 * An image's first boot, before the datasource search: starts the slow ones of `types` in the
 * first boot's own staging directory (takeStagedKey looks there too).
 */
export async function startFirstBootHostKeys(host: Host, types: string[]): Promise<string[]> {
  return startIn(host, FIRST_BOOT_DIR, types.filter((t) => SLOW_KEY_TYPES.includes(t)));
}

/** Drops what the first boot started, for a boot that turned out not to be a new instance's. */
export async function discardFirstBootKeys(host: Host): Promise<void> {
  await host.fs.remove(FIRST_BOOT_DIR, { recursive: true });
}

async function startIn(host: Host, dir: string, types: string[]): Promise<string[]> {
  if (!host.background || !types.length) return [];
  await host.fs.mkdir(dir, { mode: 0o700 });
  const started: string[] = [];
  for (const t of types) {
    if (!VALID_TYPE.test(t) || started.includes(t)) continue;
    if (await host.fs.exists(`${dir}/${t}.started`)) continue;
    if (await host.fs.exists(`${FIRST_BOOT_DIR}/${t}.started`)) continue;
    try {
      await host.fs.writeFile(`${dir}/${t}.started`, `${process.pid}\n`, { mode: 0o600 });
      started.push(t);
    } catch (e) {
      host.log.log('DEBUG', 'ssh', `could not start background generation of the ${t} host key: ${(e as Error).message}`);
    }
  }
  if (!started.length) return [];
  try {
    await host.background(['/bin/sh', '-c', KEYGEN_SCRIPT, 'sh', dir, ...started], { output: `${dir}/keygen.log`, env: { LANG: 'C' } });
  } catch (e) {
    for (const t of started) await host.fs.remove(`${dir}/${t}.started`);
    host.log.log('DEBUG', 'ssh', `could not start background generation of the ${started.join(', ')} host keys: ${(e as Error).message}`);
    return [];
  }
  host.log.log('DEBUG', 'ssh', `Generating host keys in the background: ${started.join(', ')}`);
  return started;
}

export interface StagedKey {
  code: number;
  stdout: string;
}

/**
 * Installs the staged key of `type` as /etc/ssh/ssh_host_<type>_key(.pub), waiting for its
 * generation to finish. undefined when none was staged (or it failed: the caller generates).
 */
export async function takeStagedKey(host: Host, iid: string, type: string, timeoutMs = 120_000): Promise<StagedKey | undefined> {
  const dir = VALID_TYPE.test(type) ? await stagedIn(host, iid, type) : undefined;
  if (dir === undefined) return undefined;
  const done = `${dir}/${type}.done`;
  const start = Date.now();
  while (!(await host.fs.exists(done))) {
    if (Date.now() - start > timeoutMs) {
      host.log.log('WARNING', 'ssh', `background generation of the ${type} host key did not finish in ${timeoutMs / 1000} s; generating it again`);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const code = Number.parseInt(((await host.fs.readTextIfExists(done)) ?? '').trim(), 10);
  const stdout = (await host.fs.readTextIfExists(`${dir}/${type}.out`)) ?? '';
  const priv = `${dir}/ssh_host_${type}_key`;
  if (code !== 0 || !(await host.fs.exists(priv)) || !(await host.fs.exists(`${priv}.pub`))) {
    return { code: Number.isFinite(code) ? code : 1, stdout };
  }
  await host.fs.writeFile(KEY_FILE(type), await host.fs.readFile(priv), { mode: 0o600, uid: 0, gid: 0 });
  await host.fs.writeFile(`${KEY_FILE(type)}.pub`, await host.fs.readFile(`${priv}.pub`), { mode: 0o644, uid: 0, gid: 0 });
  for (const f of [priv, `${priv}.pub`]) await host.fs.remove(f);
  return { code: 0, stdout };
}

/** Removes what is left of the staging area (keys not used), the first boot's included. */
export async function discardStagedKeys(host: Host, iid: string): Promise<void> {
  await host.fs.remove(stagingDir(iid), { recursive: true });
  await discardFirstBootKeys(host);
}
