// Network test helpers over the agent's test host (a RootedFs on a scratch root, a recording
// runner, an in-memory logger): planting files, symlinks and NICs in the guest's sysfs, and a
// runner that answers a script of commands and refuses anything else.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogLevel, RunResult } from '../../src/agent/host/host.js';
import { createTestHost, type TestHost } from '../../src/agent/host/test-host.js';

export type Script = (argv: string[]) => RunResult | undefined;

export interface ScratchHost extends TestHost {
  root: string;
  calls: string[][];
  logs: Array<{ level: LogLevel; message: string }>;
  plant(path: string, text: string, mode?: number): void;
  link(target: string, path: string): void;
  read(path: string): string;
}

export function scratchHost(script: Script = () => undefined): ScratchHost {
  const h = createTestHost();
  const answers = new Map<string[], RunResult>();
  // every command goes through the script; the recording runner keeps the calls
  h.runner.allow((argv) => {
    const r = script(argv);
    if (r) answers.set(argv, r);
    return r !== undefined;
  }, {}, undefined);
  const run = h.run;
  const at = (p: string) => join(h.rootDir, p);
  Object.defineProperties(h, {
    calls: { get: () => h.runner.calls.map((c) => c.argv) },
    logs: { get: () => h.logger.records.map((r) => ({ level: r.level, message: r.message })) },
  });
  return Object.assign(h, {
    root: h.rootDir,
    run: async (argv: string[], opts?: Parameters<typeof run>[1]) => {
      const r = await run(argv, opts);
      return [...answers.entries()].find(([a]) => a === argv)?.[1] ?? r;
    },
    plant(p: string, text: string, mode = 0o644) {
      mkdirSync(dirname(at(p)), { recursive: true });
      writeFileSync(at(p), text);
      chmodSync(at(p), mode);
    },
    link(target: string, p: string) {
      mkdirSync(dirname(at(p)), { recursive: true });
      symlinkSync(target, at(p));
    },
    read: (p: string) => readFileSync(at(p), 'utf8'),
  }) as ScratchHost;
}

/** A NIC in the scratch root's sysfs. */
export function plantNic(h: ScratchHost, name: string, mac: string, opts: { carrier?: boolean; operstate?: string } = {}): void {
  const dev = `/sys/devices/pci0000:00/0000:00:03.0/net/${name}`;
  h.plant(`${dev}/address`, `${mac}\n`);
  h.plant(`${dev}/addr_assign_type`, '0\n');
  h.plant(`${dev}/type`, '1\n');
  h.plant(`${dev}/carrier`, opts.carrier === false ? '0\n' : '1\n');
  h.plant(`${dev}/operstate`, `${opts.operstate ?? 'up'}\n`);
  h.plant(`${dev}/name_assign_type`, '4\n');
  h.link(`../../devices/pci0000:00/0000:00:03.0/net/${name}`, `/sys/class/net/${name}`);
}

/** The tools and files that make the eni renderer available in the scratch root. */
export function plantEni(h: ScratchHost): void {
  for (const t of ['ifquery', 'ifup', 'ifdown']) h.plant(`/sbin/${t}`, '#!/bin/sh\n', 0o755);
  h.plant('/etc/network/interfaces', 'source /etc/network/interfaces.d/*\n');
}
