// A guest: its own network namespace (eth0 = one end of a veth on the hypervisor's bridge, with the
// MAC we chose and a fixed DHCP lease), UTS, PID and mount namespaces, and a root that is an overlay
// over a cached rootfs (+ a layer of planted files). upper/ is exactly what the guest's boots changed.
// The guest sees its own sysfs (so /sys/class/net/eth0/address is our MAC), planted DMI files, a
// kernel command line of our choosing, a private /dev and, per boot, fresh /run and /tmp.
import { openSync, rmSync, mkdirSync, writeFileSync, readFileSync, readlinkSync, createWriteStream, existsSync, constants, type WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { command, type CommandOptions, type CommandResult } from './command.js';
import { childPids, Sandbox } from './sandbox.js';
import type { Hypervisor } from './hypervisor.js';
import { ensureRootfs, type RootfsInfo, type RootfsVariant } from './rootfs.js';
import { labCloudCfg, MOUNT_HELPERS, plantFiles, type PlantedFile } from './guest-layer.js';
import { agentStages, driverScript, formatTimes, KINDLING_BUNDLE, KINDLING_COMMAND, parseBoot, type Agent, type BootResult } from './guest-boot.js';
import { attachBlockDevices, type AttachedDevice, type BlockDevice } from './block-devices.js';
import { repoRoot } from './paths.js';

export type DmiField =
  | 'sys_vendor' | 'product_name' | 'product_version' | 'product_serial' | 'product_uuid' | 'product_family'
  | 'chassis_vendor' | 'chassis_asset_tag' | 'chassis_serial' | 'board_vendor' | 'board_name' | 'board_serial'
  | 'bios_vendor' | 'bios_version';

/** What libvirt-based Nova presents; product_uuid is left out unless given (Nova sets it to the instance uuid). */
export const NOVA_DMI: Partial<Record<DmiField, string>> = {
  sys_vendor: 'OpenStack Foundation',
  product_name: 'OpenStack Nova',
  product_version: '27.1.0',
  product_family: 'Virtual Machine',
  chassis_vendor: 'QEMU',
  bios_vendor: 'SeaBIOS',
};
const ROOT_ONLY_DMI = new Set(['product_serial', 'product_uuid', 'chassis_serial', 'board_serial']);

export const DEFAULT_CMDLINE = 'BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro console=tty0 console=ttyS0,115200n8';

export interface GuestOptions {
  /** A short name for logs and directories (default guest<N>). */
  name?: string;
  /** Base image (default 'cloud-init'; 'node' adds bookworm's nodejs and is needed for agent 'kindling'). */
  rootfs?: RootfsVariant;
  /** eth0's MAC. Default: fa:16:3e:d8:bb:81 (the seed instance's) for the first guest, fa:16:3e:00:00:NN after. */
  mac?: string;
  /** The fixed DHCP lease for the MAC. Default 169.254.0.(N+2); null: no fixed lease (the dynamic range). */
  ip?: string | null;
  /** Addresses put on eth0 before the first boot (the guest comes up with them, eth0 up). */
  staticAddresses?: string[];
  /** DMI fields under /sys/class/dmi/id (merged over NOVA_DMI; null removes a field). */
  dmi?: Partial<Record<DmiField, string | null>>;
  /** The guest's /proc/cmdline (default DEFAULT_CMDLINE). */
  cmdline?: string;
  /**
   * The datasource_list of the lab's /etc/cloud/cloud.cfg.d/90-lab.cfg (short waits, metadata at
   * 169.254.169.254); 'None' is appended. Default ['OpenStack']. null: plant no 90-lab.cfg.
   */
  datasources?: string[] | null;
  /** Files planted into the image before the first boot (a lower layer: they are not in upper/). */
  files?: Record<string, PlantedFile>;
  /**
   * The kindling-init bundle to install at /opt/kindling/kindling-init.cjs (in the image layer).
   * Default: the repo's dist/kindling-init.cjs when it exists; false: none.
   */
  kindlingBundle?: string | false;
  /** Images attached as block devices (loop devices in the guest's /dev, FUSE mount helpers installed). */
  blockDevices?: BlockDevice[];
}

export interface BootOptions {
  /** What runs: the real cloud-init's four stages (default), kindling-init's, or custom stages. */
  agent?: Agent;
  /** Extra environment for every stage. */
  env?: Record<string, string>;
  /** Per-stage limit (default 180 s). */
  stageTimeoutMs?: number;
  /** agent 'kindling': build its startup snapshot into the disk before the first boot, as install-agent.sh does (default true). */
  kindlingSnapshot?: boolean;
}

export interface GuestExecOptions extends CommandOptions {
  /** 'guest' (default): chrooted in the guest's root with a clean env. 'host': the host's files, the guest's network and PIDs. */
  root?: 'guest' | 'host';
  cwd?: string;
}

export class Guest {
  private boots = 0;
  private closed = false;
  private console?: { socket: Socket; out: WriteStream };
  readonly devices: AttachedDevice[] = [];

  private constructor(
    readonly name: string,
    readonly index: number,
    readonly dir: string,
    readonly rootfs: RootfsInfo,
    readonly mac: string,
    readonly ip: string | null,
    readonly sandbox: Sandbox,
    private readonly hv: Hypervisor,
  ) {}

  /** Every file the guest's boots changed (whiteouts for deletions), on the host. */
  get upperDir(): string {
    return join(this.dir, 'upper');
  }
  /** The guest's root as the host sees it (overlay merged view, live while the guest exists). */
  get rootDir(): string {
    return this.sandbox.hostPath(join(this.dir, 'merged'));
  }
  /** The overlay lower dirs, uppermost first: the planted layer, then the rootfs. */
  get lowerDirs(): string[] {
    return [join(this.dir, 'layer'), this.rootfs.path];
  }
  get netns(): string {
    return this.sandbox.netns;
  }
  /** Everything written to the guest's /dev/console. */
  get consoleLog(): string {
    return join(this.dir, 'console.log');
  }

  /**
   * A guest path on the host, through the live merged view, with symlinks resolved inside the guest's
   * root as the guest would (/run/cloud-init/cloud-id -> /run/cloud-init/cloud-id-openstack).
   */
  path(guestPath: string): string {
    const root = this.rootDir;
    const parts = guestPath.split('/').filter(Boolean);
    const done: string[] = [];
    for (let hops = 0; parts.length; ) {
      const part = parts.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const host = join(root, ...done, part);
      let target: string | undefined;
      try {
        target = readlinkSync(host);
      } catch {}
      if (target === undefined) {
        done.push(part);
        continue;
      }
      if (++hops > 40) throw new Error(`too many symlinks resolving ${guestPath} in guest ${this.name}`);
      if (target.startsWith('/')) done.length = 0;
      parts.unshift(...target.split('/').filter(Boolean));
    }
    return join(root, ...done);
  }

  readFile(guestPath: string): string {
    return readFileSync(this.path(guestPath), 'utf8');
  }

  static async create(hv: Hypervisor, labDir: string, netns: string, index: number, opts: GuestOptions): Promise<Guest> {
    const name = opts.name ?? `guest${index}`;
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`guest name must be [a-z0-9-]: ${name}`);
    const rootfs = await ensureRootfs(opts.rootfs ?? 'cloud-init');
    const dir = join(labDir, 'guests', name);
    if (existsSync(dir)) throw new Error(`a guest named ${name} exists in this lab`);
    for (const d of ['upper', 'work', 'merged', 'layer', 'sysfs']) mkdirSync(join(dir, d), { recursive: true });
    const mac = (opts.mac ?? (index === 0 ? 'fa:16:3e:d8:bb:81' : `fa:16:3e:00:00:${(index + 0x10).toString(16).padStart(2, '0')}`)).toLowerCase();
    const ip = opts.ip === null ? null : (opts.ip ?? `169.254.0.${index + 2}`);

    // the image layer
    const files: Record<string, PlantedFile> = {};
    const datasources = opts.datasources === undefined ? ['OpenStack'] : opts.datasources;
    if (datasources) files['/etc/cloud/cloud.cfg.d/90-lab.cfg'] = labCloudCfg(datasources);
    const bundle = opts.kindlingBundle === undefined ? join(repoRoot, 'dist/kindling-init.cjs') : opts.kindlingBundle;
    if (bundle && (opts.kindlingBundle !== undefined || existsSync(bundle))) {
      files[KINDLING_BUNDLE] = { copyFrom: bundle, mode: 0o755 };
      files[KINDLING_COMMAND] = { content: kindlingCommand(), mode: 0o755 };
    }
    if (opts.blockDevices?.length) Object.assign(files, MOUNT_HELPERS);
    Object.assign(files, opts.files ?? {});
    plantFiles(join(dir, 'layer'), rootfs.path, files);

    // DMI and the kernel command line, planted into the guest's /sys and /proc below
    const dmiDir = join(dir, 'dmi');
    mkdirSync(dmiDir);
    const dmi = { ...NOVA_DMI, ...opts.dmi };
    for (const [k, v] of Object.entries(dmi)) {
      if (v === null || v === undefined) continue;
      writeFileSync(join(dmiDir, k), `${v}\n`, { mode: ROOT_ONLY_DMI.has(k) ? 0o400 : 0o444 });
    }
    writeFileSync(join(dir, 'cmdline'), `${opts.cmdline ?? DEFAULT_CMDLINE}\n`);
    await command(['mkfifo', '-m', '600', join(dir, 'console')]);

    const sandbox = await Sandbox.create(netns);
    const guest = new Guest(name, index, dir, rootfs, mac, ip, sandbox, hv);
    try {
      await guest.wire(opts.staticAddresses ?? []);
      guest.startConsole();
      if (opts.blockDevices?.length) guest.devices.push(...(await attachBlockDevices(dir, opts.blockDevices)));
      await guest.mountRoot();
      await sandbox.exec(['hostname', guest.diskHostname()]); // the UTS namespace starts with the host's name
      if (ip) await hv.addLease(mac, ip);
    } catch (e) {
      await guest.close();
      throw e;
    }
    return guest;
  }

  private async wire(staticAddresses: string[]): Promise<void> {
    const hvIf = `vg${this.index}`;
    await command(['ip', '-n', this.hv.netns, 'link', 'add', hvIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.netns]);
    await command(['ip', '-n', this.hv.netns, 'link', 'set', hvIf, 'master', this.hv.bridge, 'up']);
    await command(['ip', '-n', this.netns, 'link', 'set', 'eth0', 'address', this.mac]);
    for (const a of staticAddresses) await command(['ip', '-n', this.netns, 'addr', 'add', a, 'dev', 'eth0']);
    // at a real boot the NIC is down until something configures it
    if (staticAddresses.length) await command(['ip', '-n', this.netns, 'link', 'set', 'eth0', 'up']);
  }

  /** /dev/console is a FIFO that we drain into console.log (opened read-write, so writers never block). */
  private startConsole(): void {
    const fd = openSync(join(this.dir, 'console'), constants.O_RDWR | constants.O_NONBLOCK);
    const socket = new Socket({ fd, readable: true, writable: false });
    const out = createWriteStream(this.consoleLog, { flags: 'a' });
    socket.pipe(out);
    socket.unref();
    this.console = { socket, out };
  }

  private async mountRoot(): Promise<void> {
    const d = this.dir;
    const lowers = `${join(d, 'layer')}:${this.rootfs.path}`;
    const blockSys = this.devices.length ? '1' : '';
    const nodes = this.devices.flatMap((dev) => dev.guestNames.map((n) => `${n}:${dev.major}:${dev.minor}`)).join(' ');
    // A fixed script; every value is a positional argument.
    const script = String.raw`
set -euo pipefail
d=$1 lowers=$2 block_sys=$3 nodes=$4
m=$d/merged
mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$d/upper,workdir=$d/work" "$m"
mount -t proc -o nosuid,nodev,noexec proc "$m/proc"
mount --bind -o ro "$d/cmdline" "$m/proc/cmdline"
mount -t sysfs sysfs "$d/sysfs"
mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs "$m/sys"
mkdir -p "$m/sys/class/net" "$m/sys/devices" "$m/sys/class/dmi"
mount --bind "$d/sysfs/devices" "$m/sys/devices"
mount --bind "$d/sysfs/class/net" "$m/sys/class/net"
if [ -n "$block_sys" ]; then
  for s in block class/block dev/block; do mkdir -p "$m/sys/$s"; mount --bind "$d/sysfs/$s" "$m/sys/$s"; done
fi
cp -a "$d/dmi" "$m/sys/class/dmi/id"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$m/dev"
mknod -m 666 "$m/dev/null" c 1 3; mknod -m 666 "$m/dev/zero" c 1 5; mknod -m 666 "$m/dev/full" c 1 7
mknod -m 666 "$m/dev/random" c 1 8; mknod -m 666 "$m/dev/urandom" c 1 9; mknod -m 666 "$m/dev/tty" c 5 0
mknod -m 666 "$m/dev/fuse" c 10 229
mkdir -m 0755 "$m/dev/pts"; mkdir -m 1777 "$m/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$m/dev/pts"
ln -s pts/ptmx "$m/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$m/dev/shm"
ln -s /proc/self/fd "$m/dev/fd"; ln -s /proc/self/fd/0 "$m/dev/stdin"
ln -s /proc/self/fd/1 "$m/dev/stdout"; ln -s /proc/self/fd/2 "$m/dev/stderr"
touch "$m/dev/console"; mount --bind "$d/console" "$m/dev/console"
for n in $nodes; do
  IFS=: read -r name major minor <<<"$n"
  mknod -m 660 "$m/dev/$name" b "$major" "$minor"
done
`;
    await this.sandbox.exec(['bash', '-c', script, 'guest-setup', d, lowers, blockSys, nodes]);
  }

  /** Changes DMI fields from the next read on (e.g. a new product_uuid before a reboot); null removes one. */
  setDmi(fields: Partial<Record<DmiField, string | null>>): void {
    for (const [k, v] of Object.entries(fields)) {
      const p = this.sandbox.hostPath(join(this.dir, 'merged/sys/class/dmi/id', k));
      rmSync(p, { force: true });
      if (v !== null && v !== undefined) writeFileSync(p, `${v}\n`, { mode: ROOT_ONLY_DMI.has(k) ? 0o400 : 0o444 });
    }
  }

  /** Changes the guest's /proc/cmdline from the next read on. */
  setCmdline(cmdline: string): void {
    writeFileSync(join(this.dir, 'cmdline'), `${cmdline}\n`); // same inode: the bind mount shows it at once
  }

  /**
   * Boots the guest once: the first call is its first boot; every later call is a reboot (every
   * process killed, fresh /run and /tmp, NICs unconfigured and down, the kernel hostname from the
   * disk's /etc/hostname as systemd sets it; the disk stays).
   */
  async boot(opts: BootOptions = {}): Promise<BootResult> {
    if (this.closed) throw new Error(`guest ${this.name} is closed`);
    const stages = agentStages(opts.agent ?? 'cloud-init');
    if (opts.agent === 'kindling') {
      if (this.rootfs.variant !== 'node') throw new Error(`agent 'kindling' needs rootfs 'node' (guest ${this.name} has ${this.rootfs.variant})`);
      if (!existsSync(join(this.dir, 'layer', KINDLING_BUNDLE))) throw new Error(`no kindling-init bundle in guest ${this.name}: run npm run build:agent or pass kindlingBundle`);
    }
    if (opts.agent === 'kindling' && this.boots === 0 && opts.kindlingSnapshot !== false) await this.buildKindlingSnapshot();
    const n = ++this.boots;
    const out = join(this.dir, `boot-${n}`);
    mkdirSync(out);
    if (n > 1) await this.sandbox.killAllButInit();
    const script = driverScript({
      merged: join(this.dir, 'merged'),
      out,
      reboot: n > 1,
      hostname: this.diskHostname(),
      nics: [{ name: 'eth0', mac: this.mac }],
      env: { ...this.diskLocaleEnv(), ...opts.env },
      stages,
      defaultTimeoutMs: opts.stageTimeoutMs ?? 180_000,
    });
    writeFileSync(join(out, 'driver.sh'), script);
    const reaped0 = reapedCpuSeconds(this.sandbox.pid);
    const r = await this.sandbox.exec(['bash', join(out, 'driver.sh')], { allowFailure: true });
    if (r.code !== 0) throw new Error(`guest ${this.name} boot ${n}: driver failed (${r.code}): ${r.stderr.trim()}`);
    await residentGone(this.sandbox.pid, out);
    const reaped1 = reapedCpuSeconds(this.sandbox.pid);
    const result = parseBoot(n, out, stages);
    if (reaped0 !== undefined && reaped1 !== undefined) result.orphanCpuSeconds = Math.round((reaped1 - reaped0) * 1000) / 1000;
    writeFileSync(join(out, 'times.txt'), `${formatTimes(result)}\n`);
    return result;
  }

  /**
   * What scripts/install-agent.sh does in an image: kindling-init's startup snapshot built by the
   * image's own Node (/var/cache/kindling-init/snapshot.blob, part of the disk before the first boot,
   * as cloud-init's byte-compiled Python is part of its image).
   */
  async buildKindlingSnapshot(): Promise<void> {
    await this.exec(['mkdir', '-p', '-m', '0700', '/var/cache/kindling-init']);
    await this.exec(['node', KINDLING_BUNDLE], { env: { KINDLING_INIT_SNAPSHOT_BUILDING: '1' } });
  }

  private diskHostname(): string {
    try {
      const h = readFileSync(this.path('/etc/hostname'), 'utf8').trim().split('\n')[0]?.trim();
      return h || 'localhost';
    } catch {
      return 'localhost';
    }
  }

  /** systemd gives services the LANG of /etc/default/locale (Debian) or /etc/locale.conf. */
  private diskLocaleEnv(): Record<string, string> {
    for (const f of ['/etc/locale.conf', '/etc/default/locale']) {
      try {
        const m = /^\s*LANG=["']?([^"'\s]+)/m.exec(readFileSync(this.path(f), 'utf8'));
        if (m) return { LANG: m[1]! };
      } catch {}
    }
    return {};
  }

  /**
   * Runs a command in the guest: by default chrooted in its root with a clean environment (as root);
   * with root: 'host', the host's programs (e.g. node with the project's packages) on the guest's network.
   */
  exec(argv: readonly string[], opts: GuestExecOptions = {}): Promise<CommandResult> {
    const { root = 'guest', ...rest } = opts;
    if (root === 'host') return this.sandbox.exec(argv, { cwd: process.cwd(), ...rest });
    const env = Object.entries({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', ...(rest.env ?? {}) }).map(
      ([k, v]) => `${k}=${v}`,
    );
    const { env: _drop, ...noEnv } = rest;
    return this.sandbox.exec(['chroot', join(this.dir, 'merged'), '/usr/bin/env', '-i', ...env, ...argv], { ...noEnv, cwd: '/' });
  }

  /** Copies the upper dir (what the boots changed) somewhere that outlives the lab. */
  async saveUpper(dest: string): Promise<void> {
    mkdirSync(dest, { recursive: true });
    await command(['cp', '-a', `${this.upperDir}/.`, dest]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sandbox.close();
    for (const dev of this.devices) await dev.detach();
    if (this.console) {
      this.console.socket.destroy();
      await new Promise((r) => this.console!.out.end(r));
    }
  }
}

/** Ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux build we run on). */
const USER_HZ = 100;

/** CPU (user+sys) of the children a process has reaped: /proc/<pid>/stat cutime + cstime. */
/**
 * Waits (5 s at most) until kindling-init's resident agent (src/cli/resident.ts), which exits as the
 * final stage ends, has been reaped by the guest's init: only then is its CPU in init's counts. One
 * still there is an error (it should have exited, and its CPU would be missing from the figures).
 */
async function residentGone(initPid: number, out: string): Promise<void> {
  const deadline = Date.now() + 5000;
  const pending = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z' || readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('\0--kindling-init-resident');
    } catch {
      return false;
    }
  };
  while (childPids(initPid).some(pending)) {
    if (Date.now() > deadline) {
      const left = childPids(initPid).filter(pending).flatMap((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          return [`${p} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 3)} ${readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()}`];
        } catch {
          return [];
        }
      });
      const stages = readFileSync(join(out, 'stages.tsv'), 'utf8').trim().replace(/\n/g, ' | ');
      throw new Error(`the resident kindling-init agent did not exit after the boot's stages; left: ${left.join('; ')}; stages: ${stages}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function reapedCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after the comm: state is field 3, so cutime (16) and cstime (17) are at 13 and 14
    return (Number(f[13]) + Number(f[14])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** packaging/bin/kindling-init, with the lab's bundle path. */
function kindlingCommand(): string {
  const text = readFileSync(join(repoRoot, 'packaging/bin/kindling-init'), 'utf8');
  const out = text.replace('/usr/lib/kindling-init/kindling-init.cjs', KINDLING_BUNDLE);
  if (out === text) throw new Error('packaging/bin/kindling-init: no bundle path to replace');
  return out;
}
