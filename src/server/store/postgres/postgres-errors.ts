// Which PostgreSQL failures mean "the store is unreachable right now" (a 503 that the caller may
// retry) rather than a bug. node-postgres reports socket errors with Node's codes, server-side
// shutdowns with SQLSTATEs, and a few client states only by message.
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT']);
const SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '40001', // serialization_failure: the server gave up on this attempt
  '40P01', // deadlock_detected
  '25006', // read_only_sql_transaction: a standby after fail-over
]);
const MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|terminating connection/i;

export function isOutage(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = String((e as { code?: unknown }).code ?? '');
  if (NODE_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')) return true;
  return MESSAGES.test(String((e as { message?: unknown }).message ?? ''));
}

/** A short reason for messages and /healthz: the code and the first line, no connection string. */
export function outageReason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const msg = String(err?.message ?? e).split('\n')[0]!;
  const code = err?.code !== undefined ? String(err.code) : '';
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}
