// How the CLI reaches the control API: KINDLING_URL (default http://127.0.0.1:8776) and
// KINDLING_TOKEN, else the token file `kindling serve` wrote on this host.
import { readFileSync } from 'node:fs';
import { defaultTokenFile } from '../server/state-dir.js';

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1, readonly details: string[] = []) {
    super(message);
  }
}

export interface ControlClient {
  url: string;
  request(method: string, path: string, body?: { json?: unknown; raw?: Uint8Array; contentType?: string }): Promise<Response>;
}

function findToken(env: NodeJS.ProcessEnv): string {
  if (env.KINDLING_TOKEN) return env.KINDLING_TOKEN.trim();
  const file = defaultTokenFile(env);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `no control token: set KINDLING_TOKEN, or start kindling serve on this host (it writes ${file})`
        : `cannot read the control token file ${file}: ${(e as Error).message}`,
    );
  }
}

export function controlClient(env: NodeJS.ProcessEnv = process.env): ControlClient {
  const url = (env.KINDLING_URL || 'http://127.0.0.1:8776').replace(/\/+$/, '');
  let token: string | undefined;
  return {
    url,
    async request(method, path, body) {
      token ??= findToken(env);
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
      let payload: string | Uint8Array | undefined;
      if (body?.json !== undefined) {
        headers['Content-Type'] = body.contentType ?? 'application/json';
        payload = JSON.stringify(body.json);
      } else if (body?.raw !== undefined) {
        headers['Content-Type'] = body.contentType ?? 'application/octet-stream';
        payload = body.raw;
      }
      try {
        return await fetch(`${url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new CliError(`cannot reach the control API at ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message} (is kindling serve running? set KINDLING_URL)`);
      }
    },
  };
}

/** Turns an error response into a CliError with the API's message and per-field details. */
export async function failure(res: Response): Promise<CliError> {
  const text = await res.text();
  try {
    const e = (JSON.parse(text) as { error?: { message?: string; code?: string; details?: unknown } }).error;
    if (e?.message) {
      const details = Array.isArray(e.details) ? (e.details as { path: string; reason: string }[]).map((d) => `  ${d.path || '/'}: ${d.reason}`) : [];
      return new CliError(`${res.status} ${e.code ?? ''}: ${Array.isArray(e.details) && details.length ? 'invalid instance' : e.message}`.replace(/ : /, ': '), 1, details);
    }
  } catch {
    /* not JSON */
  }
  return new CliError(`${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
