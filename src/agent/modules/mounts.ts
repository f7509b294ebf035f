// mounts: fstab entries (tagged comment=cloudconfig) for the `mounts:` list and the default
// ephemeral0 → /mnt and swap devices when the datasource maps those names to devices that exist,
// plus a swap file (`swap:`). Entries of an earlier run are replaced, lines of others kept; new
// mount points are created, then `swapon -a` and `mount -a` activate the result.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { usesSystemd } from '../distros/service.js';
import { deviceNameToDevice } from '../datasources/device-names.js';
import { currentMountPoints } from './mount-info.js';
import { handleSwapCfg } from './swap-file.js';
import { isDict } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { pyList } from './run-checked.js';

const DEVICE_NAME_RE = /^(x?[shv]d[a-z][0-9]*|sr[0-9]+)$/;
const NETWORK_NAME_RE = /^.+:.*/;
const WS = /[ \t\n\r\x0b\x0c]+/;
const FSTAB = '/etc/fstab';
const MNT_COMMENT = 'comment=cloudconfig';

type Entry = (string | null)[];

function isMetaDeviceName(name: string): boolean {
  if (['ami', 'root', 'swap'].includes(name)) return true;
  return ['ephemeral', 'ebs'].some((p) => name.startsWith(p) && !name.includes(':'));
}

/** os.path.realpath inside the guest. */
function realpath(ctx: ModuleContext, p: string): string {
  const real = ctx.host.fs.resolve(p.startsWith('/') ? p : `/${p}`);
  const root = ctx.host.fs.root.replace(/\/$/, '');
  return root && real.startsWith(`${root}/`) ? real.slice(root.length) : real;
}

/** A path as cloud-init's os.path calls see it: relative ones from its working directory, /. */
const abs = (p: string) => (p.startsWith('/') ? p : `/${p}`);

async function nthPartition(ctx: ModuleContext, dev: string, n: string): Promise<string | undefined> {
  for (const suffix of [n, `p${n}`, `-part${n}`]) if (await ctx.host.fs.exists(abs(`${dev}${suffix}`))) return `${dev}${suffix}`;
  return undefined;
}

async function isBlockDevice(ctx: ModuleContext, dev: string, part: string | undefined): Promise<boolean> {
  let sys = `/sys/block/${realpath(ctx, dev).split('/').pop()}`;
  if (part !== undefined) sys += `/${realpath(ctx, part).split('/').pop()}`;
  return ctx.host.fs.exists(sys);
}

/** sanitize_devname: the device path for a name in the config, or undefined when there is none. */
async function sanitizeDevname(ctx: ModuleContext, start: string, aliases: Record<string, unknown>): Promise<string | undefined> {
  ctx.log('DEBUG', `Attempting to determine the real name of ${start}`);
  let devname = start;
  if (devname === 'ephemeral') {
    devname = 'ephemeral0';
    ctx.log('DEBUG', 'Adjusted mount option from ephemeral to ephemeral0');
  }
  if (NETWORK_NAME_RE.test(start)) return start;
  const dot = devname.lastIndexOf('.');
  let dev = dot >= 0 ? devname.slice(0, dot) : devname;
  const partNum = dot >= 0 ? devname.slice(dot + 1) : undefined;
  const orig = dev;
  if (dev in aliases) {
    dev = pyStr(aliases[dev]);
    if (dev !== orig) ctx.log('DEBUG', `Mapped device alias ${orig} to ${dev}`);
  }
  if (isMetaDeviceName(dev)) {
    const mapped = await deviceNameToDevice(ctx.host, ctx.ds, dev, (m) => ctx.log('DEBUG', m));
    if (!mapped) return undefined;
    dev = mapped.startsWith('/') ? mapped : `/dev/${mapped}`;
    ctx.log('DEBUG', `Mapped metadata name ${orig} to ${dev}`);
  } else if (DEVICE_NAME_RE.test(start)) dev = `/dev/${dev}`;
  let part: string | undefined;
  if (partNum === undefined) part = await nthPartition(ctx, dev, '1');
  else {
    part = await nthPartition(ctx, dev, partNum);
    if (part === undefined) return undefined;
  }
  if (await isBlockDevice(ctx, dev, part)) return part ?? dev;
  return undefined;
}

async function readFstab(ctx: ModuleContext): Promise<{ lines: string[]; devs: Map<string, string>; removed: string[] }> {
  const lines: string[] = [];
  const removed: string[] = [];
  const devs = new Map<string, string>();
  const text = await ctx.host.fs.readTextIfExists(FSTAB);
  if (text !== undefined) {
    for (const line of text.split(/\r\n|\r|\n/).slice(0, text.endsWith('\n') ? -1 : undefined)) {
      if (line.includes(MNT_COMMENT)) {
        removed.push(line);
        continue;
      }
      devs.set(line.split(WS)[0] as string, line);
      lines.push(line);
    }
  }
  return { lines, devs, removed };
}

/** The config's entries and the defaults, each with all six fstab fields (null = no mount point). */
async function plannedEntries(ctx: ModuleContext, defvals: Entry, fstabDevs: Map<string, string>): Promise<Entry[]> {
  const aliases = isDict(ctx.cfg.device_aliases) ? ctx.cfg.device_aliases : {};
  const raw = Array.isArray(ctx.cfg.mounts) ? ctx.cfg.mounts : [];
  const cfgmnt: Entry[] = [];
  for (const [i, m] of raw.entries()) {
    if (!Array.isArray(m)) {
      ctx.log('WARNING', `Mount option ${i + 1} not a list, got a ${m === null ? 'NoneType' : Array.isArray(m) ? 'list' : typeof m === 'object' ? 'dict' : typeof m === 'string' ? 'str' : typeof m} instead`);
      continue;
    }
    // cloud-init keeps an entry it cannot map or that fstab already has, unchanged, in the list
    const entry: Entry = m.map((x) => (x === null || x === undefined ? null : pyStr(x)));
    const start = pyStr(m[0]);
    const sanitized = await sanitizeDevname(ctx, start, aliases);
    if (sanitized !== start) ctx.log('DEBUG', `changed ${start} => ${sanitized ?? 'None'}`);
    if (sanitized === undefined) ctx.log('DEBUG', `Ignoring nonexistent named mount ${start}`);
    else if (fstabDevs.has(sanitized)) ctx.log('INFO', `Device ${sanitized} already defined in fstab: ${fstabDevs.get(sanitized)}`);
    else entry[0] = sanitized;
    cfgmnt.push(entry);
  }
  for (const [i, e] of cfgmnt.entries()) {
    for (let j = 0; j < defvals.length; j++) {
      if (e.length <= j) e.push(defvals[j] as string | null);
      else if (e[j] === null) e[j] = defvals[j] as string | null;
    }
    // a null mount point clears earlier entries of the same device
    if (e[1] === null) for (let j = 0; j < i; j++) if ((cfgmnt[j] as Entry)[0] === e[0]) (cfgmnt[j] as Entry)[1] = null;
  }
  const defmnts: Entry[] = [
    ['ephemeral0', '/mnt', 'auto', defvals[3] ?? null, '0', '2'],
    ['swap', 'none', 'swap', 'sw', '0', '0'],
  ];
  for (const d of defmnts) {
    const start = d[0] as string;
    const sanitized = await sanitizeDevname(ctx, start, aliases);
    if (sanitized !== start) ctx.log('DEBUG', `changed default device ${start} => ${sanitized ?? 'None'}`);
    if (sanitized === undefined) {
      ctx.log('DEBUG', `Ignoring nonexistent default named mount ${start}`);
      continue;
    }
    if (fstabDevs.has(sanitized)) {
      ctx.log('DEBUG', `Device ${sanitized} already defined in fstab: ${fstabDevs.get(sanitized)}`);
      continue;
    }
    d[0] = sanitized;
    if (cfgmnt.some((c) => c[0] === d[0])) {
      ctx.log('DEBUG', `Not including ${start}, already previously included`);
      continue;
    }
    cfgmnt.push(d);
  }
  return cfgmnt;
}

async function activate(ctx: ModuleContext, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) {
    const r = await ctx.host.run(cmd);
    if (r.code === 0 && !r.error) ctx.log('DEBUG', `Activate mounts: PASS:${cmd.join(' ')}`);
    else {
      ctx.log('WARNING', `Activate mounts: FAIL:${cmd.join(' ')}`);
      ctx.log('DEBUG', `${cmd.join(' ')}: exit ${r.code}${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
    }
  }
}

export const mounts: ModuleDef = {
  name: 'mounts',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const systemd = await usesSystemd(ctx.host);
    const defOpts = systemd ? 'defaults,nofail,x-systemd.requires=cloud-init.service,_netdev' : 'defaults,nobootwait';
    const mdf = ctx.cfg.mount_default_fields;
    const defvals: Entry = Array.isArray(mdf) ? mdf.map((x) => (x === null || x === undefined ? null : pyStr(x))) : [null, null, 'auto', defOpts, '0', '2'];
    ctx.log('DEBUG', `mounts configuration is ${JSON.stringify(Array.isArray(ctx.cfg.mounts) ? ctx.cfg.mounts : [])}`);
    const fstab = await readFstab(ctx);
    const planned = await plannedEntries(ctx, defvals, fstab.devs);
    const actlist: Entry[] = [];
    for (const x of planned) {
      if (x[1] === null) ctx.log('DEBUG', `Skipping nonexistent device named ${x[0]}`);
      else actlist.push(x);
    }
    const swapFile = await handleSwapCfg(ctx, ctx.cfg.swap ?? {});
    if (swapFile) actlist.push([swapFile, 'none', 'swap', 'sw', '0', '0']);
    if (!actlist.length) {
      ctx.log('DEBUG', 'No modifications to fstab needed');
      return;
    }
    const ccLines: string[] = [];
    const dirs: string[] = [];
    let needSwap = false;
    for (const line of actlist) {
      line[3] = `${line[3] ?? 'None'},${MNT_COMMENT}`;
      if (line[2] === 'swap') needSwap = true;
      if ((line[1] ?? '').startsWith('/')) dirs.push(line[1] as string);
      ccLines.push(line.map((x) => x ?? 'None').join('\t'));
    }
    const mounted = await currentMountPoints(ctx.host);
    let needMountAll = false;
    for (const d of dirs) {
      try {
        await ctx.host.fs.mkdir(d);
      } catch (e) {
        ctx.log('WARNING', `Failed to make '${d}' config-mount: ${(e as Error).message}`);
      }
      if (!mounted.includes(d)) needMountAll = true;
    }
    const norm = (l: string) => l.split(WS).join(' ');
    const adds = ccLines.map(norm);
    const drops = fstab.removed.map(norm);
    const ops = [...drops.filter((d) => !adds.includes(d)).map((d) => `- ${d}`), ...adds.filter((a) => !drops.includes(a)).map((a) => `+ ${a}`)];
    await ctx.host.fs.writeFile(FSTAB, `${[...fstab.lines, ...ccLines].join('\n')}\n`, { mode: 0o644 });
    const cmds: string[][] = [];
    if (needSwap) cmds.push(['swapon', '-a']);
    if (!ops.length) ctx.log('DEBUG', 'No changes to /etc/fstab made.');
    else {
      ctx.log('DEBUG', `Changes to fstab: ${pyList(ops)}`);
      needMountAll = true;
    }
    if (needMountAll) {
      cmds.push(['mount', '-a']);
      if (systemd) cmds.push(['systemctl', 'daemon-reload']);
    }
    await activate(ctx, cmds);
  },
};
