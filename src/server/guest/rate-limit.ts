// A token bucket per instance: a guest may burst (cloud-init's crawl is ~35 requests a stage) and
// then continue at a steady rate; past that it gets 429 until the bucket refills, so one runaway
// guest cannot take the listener's capacity from the others.

export interface RateLimit {
  /** Requests per second, sustained. */
  rate: number;
  /** Requests allowed at once after a quiet period. */
  burst: number;
}

/** Generous for any real client (cloud-init's two crawls fit the burst), tight for a loop. */
export const DEFAULT_RATE_LIMIT: RateLimit = { rate: 50, burst: 200 };

export interface Bucket {
  tokens: number;
  at: number;
}

/** Takes one token; returns 0 when allowed, else the seconds until the next token. */
export function take(b: Bucket, limit: RateLimit, nowMs: number): number {
  const refill = ((nowMs - b.at) / 1000) * limit.rate;
  b.tokens = Math.min(limit.burst, b.tokens + refill);
  b.at = nowMs;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return Math.max(1, Math.ceil((1 - b.tokens) / limit.rate));
}

export function fullBucket(limit: RateLimit, nowMs: number): Bucket {
  return { tokens: limit.burst, at: nowMs };
}
