// Builds the lab's base images (Debian bookworm minbase + the real cloud-init 22.4.2, and a variant that
// adds Debian's nodejs) once per machine, under a lock, into a directory named by the recipe's hash: a
// changed recipe gets a new directory and a rebuild, and a running lab never sees its lower dir change.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync, rmSync, renameSync, copyFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { command, type CommandOptions } from './command.js';
import { withFileLock } from './lock.js';
import { debianSourcesFor, hostAptSources, renderDeb822 } from './apt-sources.js';
import { cacheRoot } from './paths.js';

export type RootfsVariant = 'cloud-init' | 'node';

export interface RootfsInfo {
  variant: RootfsVariant;
  /** The rootfs directory, to be used read-only (as an overlay lower dir or for chroot tools that write nothing). */
  path: string;
  recipeHash: string;
  cloudInitVersion: string;
  /** `node --version` in the image (node variant only). */
  nodeVersion?: string;
  builtAt: string;
  buildSeconds: number;
}

const SUITE = 'bookworm';
/** Bump when the build steps below change in a way the package lists do not show. */
const RECIPE_VERSION = 3;
const BASE_PACKAGES = [
  'cloud-init', 'python3-cffi-backend', 'openssh-server', 'sudo', 'ifupdown', 'isc-dhcp-client',
  'locales', 'iproute2', 'bc', 'systemd',
  // FUSE readers for block devices attached to a guest (this kernel has no iso9660/vfat driver)
  'fuseiso', 'fusefat',
];
const RECIPES: Record<RootfsVariant, { from?: RootfsVariant; packages: string[] }> = {
  'cloud-init': { packages: BASE_PACKAGES },
  node: { from: 'cloud-init', packages: ['nodejs'] },
};
const EXPECTED_CLOUD_INIT = /^22\.4\.2(-|$)/;
const MARKER = '.kindling-lab-ready.json';

export function recipeHash(variant: RootfsVariant): string {
  const r = RECIPES[variant];
  const parent = r.from ? recipeHash(r.from) : null;
  const text = JSON.stringify({ RECIPE_VERSION, SUITE, variant, packages: r.packages, parent, locale: 'en_US.UTF-8' });
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function rootfsPath(variant: RootfsVariant): string {
  return join(cacheRoot(), `rootfs-${variant}-${recipeHash(variant)}`);
}

function readMarker(dir: string, hash: string): RootfsInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as RootfsInfo;
    return info.recipeHash === hash ? info : undefined;
  } catch {
    return undefined;
  }
}

const buildEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  DEBIAN_FRONTEND: 'noninteractive',
  LANG: 'C.UTF-8',
};

/**
 * Runs argv chrooted in `root`, in private mount and PID namespaces: /proc is mounted for the tools
 * that need it and disappears with the namespace, and nothing a package script starts outlives the step.
 */
async function inChroot(root: string, argv: string[], log: string, opts: CommandOptions = {}): Promise<string> {
  const r = await command(
    ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--',
     'sh', '-c', 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"', root, ...argv],
    { env: buildEnv, timeoutMs: 20 * 60_000, ...opts },
  );
  writeFileSync(log, `$ chroot ${argv.join(' ')}\n${r.stdout}${r.stderr}`, { flag: 'a' });
  return r.stdout;
}

async function logged(argv: string[], log: string, opts: CommandOptions = {}): Promise<void> {
  const r = await command(argv, { env: buildEnv, timeoutMs: 20 * 60_000, ...opts });
  writeFileSync(log, `$ ${argv.join(' ')}\n${r.stdout}${r.stderr}`, { flag: 'a' });
}

async function installPackages(root: string, packages: string[], log: string): Promise<void> {
  // No service may start inside the build chroot (ssh's postinst would start sshd on the host's network).
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  copyFileSync('/etc/resolv.conf', join(root, 'etc/resolv.conf'));
  try {
    await inChroot(root, ['apt-get', 'update', '-qq'], log);
    await inChroot(root, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages], log);
    await inChroot(root, ['apt-get', 'clean'], log);
  } finally {
    rmSync(join(root, 'usr/sbin/policy-rc.d'), { force: true });
    // the guest's resolver is the lab's DHCP/DNS server on the hypervisor bridge
    writeFileSync(join(root, 'etc/resolv.conf'), 'nameserver 169.254.0.1\n');
  }
}

async function buildBase(tmp: string, log: string): Promise<void> {
  const { mirror, entries } = debianSourcesFor(SUITE, hostAptSources());
  await logged(
    ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--',
     'debootstrap', '--variant=minbase', SUITE, tmp, mirror],
    log,
  );
  // the image's apt sources are the host's Debian entries (no mirror name in the project)
  rmSync(join(tmp, 'etc/apt/sources.list'), { force: true });
  writeFileSync(join(tmp, 'etc/apt/sources.list.d/debian.sources'), renderDeb822(entries));
  await installPackages(tmp, RECIPES['cloud-init'].packages, log);
  writeFileSync(join(tmp, 'etc/locale.gen'), 'en_US.UTF-8 UTF-8\n', { flag: 'a' });
  await inChroot(tmp, ['locale-gen'], log);
  // what an image builder leaves: a neutral hostname and hosts file (debootstrap copies the build
  // host's), and no SSH host keys (every instance must make its own)
  writeFileSync(join(tmp, 'etc/hostname'), 'localhost\n');
  writeFileSync(
    join(tmp, 'etc/hosts'),
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n',
  );
  for (const name of readdirSync(join(tmp, 'etc/ssh'))) {
    if (name.startsWith('ssh_host_')) rmSync(join(tmp, 'etc/ssh', name));
  }
  writeFileSync(join(tmp, 'etc/machine-id'), '');
}

async function buildNode(tmp: string, log: string): Promise<void> {
  const base = await ensureRootfs('cloud-init');
  await logged(['cp', '-a', '--reflink=auto', base.path, tmp], log);
  rmSync(join(tmp, MARKER), { force: true });
  await installPackages(tmp, RECIPES.node.packages, log);
}

async function inspect(root: string, variant: RootfsVariant, log: string): Promise<{ cloudInitVersion: string; nodeVersion?: string }> {
  const pkg = (await inChroot(root, ['dpkg-query', '-W', '-f', '${Version}', 'cloud-init'], log)).trim();
  const cli = (await inChroot(root, ['cloud-init', '--version'], log, { allowFailure: true })).trim();
  if (!EXPECTED_CLOUD_INIT.test(pkg) || !/\b22\.4\.2\b/.test(cli)) {
    throw new Error(`rootfs ${variant}: expected cloud-init 22.4.2, found package ${pkg || '(none)'}, \`cloud-init --version\`: ${cli || '(nothing)'}`);
  }
  const packages = await inChroot(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n'], log);
  writeFileSync(join(root, '.kindling-lab-packages.txt'), packages);
  if (variant !== 'node') return { cloudInitVersion: pkg };
  const nodeVersion = (await inChroot(root, ['node', '--version'], log)).trim();
  if (!/^v18\./.test(nodeVersion)) throw new Error(`rootfs node: expected Debian bookworm's nodejs 18, found ${nodeVersion}`);
  return { cloudInitVersion: pkg, nodeVersion };
}

/**
 * Returns the ready rootfs of `variant`, building it first when this machine has none for the current
 * recipe. Safe to call from many processes at once: one builds, the others wait on the lock.
 */
export async function ensureRootfs(variant: RootfsVariant, opts: { log?: (line: string) => void } = {}): Promise<RootfsInfo> {
  const hash = recipeHash(variant);
  const dest = rootfsPath(variant);
  const ready = readMarker(dest, hash);
  if (ready) return ready;
  const say = opts.log ?? ((line: string) => process.stderr.write(`[lab] ${line}\n`));
  return withFileLock(
    join(cacheRoot(), `.lock-rootfs-${variant}`),
    async () => {
      const again = readMarker(dest, hash);
      if (again) return again;
      // Holding the lock, anything half-built for this recipe is a crashed build's leftover.
      const tmp = `${dest}.building`;
      rmSync(tmp, { recursive: true, force: true });
      rmSync(dest, { recursive: true, force: true });
      const log = `${dest}.log`;
      closeSync(openSync(log, 'w'));
      say(`building rootfs ${variant} (recipe ${hash}) into ${dest}; log: ${log}`);
      const t0 = Date.now();
      try {
        mkdirSync(cacheRoot(), { recursive: true });
        if (variant === 'node') await buildNode(tmp, log);
        else await buildBase(tmp, log);
        const found = await inspect(tmp, variant, log);
        const info: RootfsInfo = {
          variant, path: dest, recipeHash: hash, ...found,
          builtAt: new Date().toISOString(), buildSeconds: Math.round((Date.now() - t0) / 100) / 10,
        };
        writeFileSync(join(tmp, MARKER), JSON.stringify(info, null, 2) + '\n');
        renameSync(tmp, dest);
        say(`rootfs ${variant} ready in ${info.buildSeconds} s: cloud-init ${info.cloudInitVersion}${info.nodeVersion ? `, node ${info.nodeVersion}` : ''}`);
        return info;
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw new Error(`building rootfs ${variant} failed (log: ${log}): ${(e as Error).message}`);
      }
    },
    { onWait: () => say(`waiting for another process building rootfs ${variant}`) },
  );
}

export function rootfsExists(variant: RootfsVariant): boolean {
  return existsSync(join(rootfsPath(variant), MARKER));
}
