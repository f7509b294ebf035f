// Clocks: the real one reads /proc/uptime through the host's fs (so tests can plant it); the fixed
// one is for tests that compare timestamps.
import type { Clock, HostFs } from './host.js';

export function realClock(fs: HostFs): Clock {
  return {
    now: () => Date.now() / 1000,
    async uptime() {
      const t = await fs.readTextIfExists('/proc/uptime').catch(() => undefined);
      const v = t ? Number.parseFloat(t.split(/\s+/)[0] ?? '') : Number.NaN;
      return Number.isFinite(v) ? v : process.uptime();
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

export function fixedClock(epochSeconds = 1_700_000_000, uptimeSeconds = 12.5): Clock & { advance(s: number): void } {
  let now = epochSeconds;
  let up = uptimeSeconds;
  return {
    now: () => now,
    uptime: async () => up,
    sleep: async (ms) => {
      now += ms / 1000;
      up += ms / 1000;
    },
    advance(s: number) {
      now += s;
      up += s;
    },
  };
}
