// Start-up against a store that is briefly away (PostgreSQL restarting, a replica booting before
// its database): retry what failed with 503 store_unavailable, with backoff, for a while, saying
// so once, instead of dying on the first refused connection. Other errors fail at once.
import { KindlingError } from '../errors.js';

export const START_WAIT_MS = 60_000;

export async function whenStoreAnswers<T>(what: string, fn: () => Promise<T>, say: (line: string) => void, waitMs = START_WAIT_MS): Promise<T> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const out = await fn();
      if (told) say(`${what}: the store answers again`);
      return out;
    } catch (e) {
      const outage = e instanceof KindlingError && e.status === 503;
      if (!outage || Date.now() + delay > deadline) throw e;
      if (!told) say(`${what}: ${e.message}; retrying for up to ${Math.round(waitMs / 1000)} s`);
      told = true;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
