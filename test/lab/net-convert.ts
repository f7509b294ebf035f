// The real cloud-init's `devel net-convert`, run offline in the cloud-init image as a live oracle:
// chrooted into a throwaway overlay (the cached image is never written), in a fresh network namespace
// whose sysfs shows only lo, so that nothing of this machine's NICs leaks into the output. One
// process per call (about 0.5 s); test/net/oracle.ts batches many conversions in one Python process.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { command } from './command.js';
import { ensureRootfs } from './rootfs.js';
import { runsRoot } from './paths.js';
import { track, untrack } from './reaper.js';

export interface NetConvertOptions {
  kind: 'network_data.json' | 'eni' | 'yaml';
  /** -D: debian, ubuntu, rhel, centos, fedora, ... (cloud-init's OS family names). */
  distro: string;
  output: 'eni' | 'netplan' | 'networkd' | 'sysconfig' | 'network-manager';
  /** -m NAME,MAC pairs: interface names by MAC, as the guest's sysfs would give them. */
  macs?: Record<string, string>;
}

export interface NetConvertResult {
  /** 0 on success; cloud-init's exit code (and traceback in stderr) otherwise. */
  code: number;
  stderr: string;
  /** Output files by path relative to the output directory (e.g. etc/network/interfaces). */
  files: Map<string, { content: string; mode: number }>;
}

let seq = 0;

export async function netConvert(input: string, opts: NetConvertOptions): Promise<NetConvertResult> {
  const rootfs = (await ensureRootfs('cloud-init')).path;
  const work = join(runsRoot(), `${process.pid}-netconvert-${++seq}`);
  track('dir', work);
  try {
    for (const d of ['upper/tmp/out', 'work', 'merged']) mkdirSync(join(work, d), { recursive: true });
    writeFileSync(join(work, 'upper/tmp/input'), input);
    const argv = ['cloud-init', 'devel', 'net-convert', '-p', '/tmp/input', '-k', opts.kind, '-d', '/tmp/out', '-D', opts.distro, '-O', opts.output];
    for (const [name, mac] of Object.entries(opts.macs ?? {})) argv.push('-m', `${name},${mac}`);
    const script = [
      'set -e',
      'w=$0',
      'mount -t overlay overlay -o "lowerdir=$1,upperdir=$w/upper,workdir=$w/work" "$w/merged"',
      'mount -t proc proc "$w/merged/proc"',
      'mount -t sysfs sysfs "$w/merged/sys"',
      'shift',
      'exec chroot "$w/merged" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"',
    ].join('\n');
    const r = await command(
      ['unshare', '--mount', '--net', '--pid', '--fork', '--kill-child', '--propagation', 'private', '--', 'sh', '-c', script, work, rootfs, ...argv],
      { allowFailure: true, timeoutMs: 60_000 },
    );
    const files = new Map<string, { content: string; mode: number }>();
    const out = join(work, 'upper/tmp/out');
    const walk = (dir: string) => {
      for (const n of readdirSync(dir).sort()) {
        const p = join(dir, n);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else files.set(relative(out, p), { content: readFileSync(p, 'utf8'), mode: st.mode & 0o7777 });
      }
    };
    walk(out);
    return { code: r.code, stderr: r.stderr, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
    untrack('dir', work);
  }
}
