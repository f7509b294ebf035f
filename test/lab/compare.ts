// Side by side: one scenario run twice on identical fresh overlays (each in a lab of its own, so the
// guest has the same MAC, address and DMI both times), once per agent, then the two upper dirs diffed.
import { rmSync } from 'node:fs';
import { Lab, type LabOptions } from './lab.js';
import type { Guest, GuestOptions, BootOptions } from './guest.js';
import type { Agent, BootResult } from './guest-boot.js';
import { diffUppers, formatDiff, type Side, type UpperDiff } from './upper-diff.js';
import { DEFAULT_RULES, guestPasswordVerifier, type NormaliseRule } from './normalise.js';

export interface Scenario {
  name: string;
  /** Lab options, e.g. {metadataAddress: false} for a metadata service that never answers. */
  lab?: Omit<LabOptions, 'name' | 'keep'>;
  /**
   * The guest (rootfs defaults to 'node', so that both agents boot the same image), or a function of
   * the lab called after setup (e.g. block devices built by setup in the lab's run directory).
   */
  guest?: GuestOptions | ((lab: Lab) => GuestOptions | Promise<GuestOptions>);
  /** Prepares the hypervisor side before the first boot: start servers, create instances. */
  setup?: (lab: Lab) => Promise<void>;
  /** Boots per run (default 1); later ones are reboots. */
  boots?: number;
  /** Runs before each boot (boot = 1, 2, ...): change the instance, plant DMI, take the service down. */
  beforeBoot?: (lab: Lab, guest: Guest, boot: number) => Promise<void>;
  /** Options for every boot (env, stage timeout); the agent is set by the run. */
  bootOptions?: Omit<BootOptions, 'agent'>;
  /** Plaintext passwords by user, to verify hashes in /etc/shadow. */
  passwords?: Record<string, string>;
  /** Extra normalisation rules, tried before DEFAULT_RULES. */
  rules?: NormaliseRule[];
}

export interface RunOutcome {
  agent: Agent;
  boots: BootResult[];
  /** The upper dir and image layers of the run (valid until dispose()). */
  side: Side;
  consoleLog: string;
  labDir: string;
}

/** Runs a scenario with one agent in a fresh lab kept on disk; call dispose() when done with it. */
export async function runScenario(s: Scenario, agent: Agent): Promise<RunOutcome & { dispose(): void }> {
  const label = typeof agent === 'string' ? agent : 'custom';
  const lab = await Lab.start({ ...s.lab, name: `${s.name}-${label}`, keep: true });
  let guest: Guest | undefined;
  try {
    await s.setup?.(lab);
    const guestOptions = typeof s.guest === 'function' ? await s.guest(lab) : s.guest;
    guest = await lab.addGuest({ rootfs: 'node', ...guestOptions });
    const boots: BootResult[] = [];
    for (let n = 1; n <= (s.boots ?? 1); n++) {
      await s.beforeBoot?.(lab, guest, n);
      boots.push(await guest.boot({ ...s.bootOptions, agent }));
    }
    const side = { upper: guest.upperDir, lowers: guest.lowerDirs, label };
    const consoleLog = guest.consoleLog;
    await lab.close();
    return {
      agent, boots, side, consoleLog, labDir: lab.dir,
      dispose: () => {
        if (process.env.KINDLING_LAB_KEEP !== '1') rmSync(lab.dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await lab.close().catch(() => undefined);
    if (process.env.KINDLING_LAB_KEEP !== '1') rmSync(lab.dir, { recursive: true, force: true });
    throw e;
  }
}

export interface Comparison {
  a: RunOutcome;
  b: RunOutcome;
  diff: UpperDiff;
  /** formatDiff with the agents' names. */
  report: string;
}

/** Runs the scenario with agent a, then with agent b (one after the other: CPU is scarce), and diffs. */
export async function compareAgents(
  s: Scenario,
  agents: { a?: Agent; b?: Agent } = {},
  opts: {
    /** Looks at both runs (upper dirs, logs) before they are removed; runs before the diff. */
    inspect?: (a: RunOutcome, b: RunOutcome) => Promise<void>;
  } = {},
): Promise<Comparison> {
  const ra = await runScenario(s, agents.a ?? 'cloud-init');
  try {
    const rb = await runScenario(s, agents.b ?? 'kindling');
    try {
      await opts.inspect?.(ra, rb);
      const rootfs = ra.side.lowers[ra.side.lowers.length - 1]!;
      const diff = await diffUppers(ra.side, rb.side, {
        rules: [...(s.rules ?? []), ...DEFAULT_RULES],
        passwords: s.passwords ?? {},
        verifyPassword: guestPasswordVerifier(rootfs),
      });
      return { a: ra, b: rb, diff, report: formatDiff(diff, { a: ra.side.label, b: rb.side.label }) };
    } finally {
      rb.dispose();
    }
  } finally {
    ra.dispose();
  }
}

