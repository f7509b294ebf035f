// The control API (/v1, JSON) on its own listener with bearer-token authentication. Errors of
// every kind become responses here, in one place.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Instance } from '../../wire/instance.js';
import { KindlingError } from '../errors.js';
import { makeReply, type Reply } from '../guest/reply.js';
import { toApi } from '../registry/representation.js';
import type { Registry } from '../registry/registry.js';
import { openApiDocument } from './openapi.js';
import { configDriveReply, type DriveDeps } from './config-drive.js';

export interface ControlRequest {
  method: string;
  target: string;
  peer: string;
  header(name: string): string | undefined;
  body: Buffer;
  bodyTooLarge: boolean;
}

export interface ControlDeps {
  registry: Registry;
  drives: DriveDeps;
  token: string;
  version: string;
  /** Readiness for /healthz: undefined when ready, else why not. */
  notReady(): string | undefined;
  /**
   * Ready but possibly stale (the store is unreachable): the reason. Still 200, because guests are
   * answered from the last known state and a balancer should keep this replica.
   */
  degraded?(): string | undefined;
  health(): Record<string, unknown>;
  /** Unexpected failures (never with request bodies). */
  logError(message: string): void;
}

export type ControlHandler = (req: ControlRequest) => Promise<Reply>;

const JSON_TYPE = 'application/json';
const json = (status: number, value: unknown, extra: string[] = []) => makeReply(status, JSON_TYPE, `${JSON.stringify(value, null, 2)}\n`, extra);
const noContent = (): Reply => ({ status: 204, body: Buffer.alloc(0), head: [] });

function errorReply(e: KindlingError, extra: string[] = []): Reply {
  return json(e.status, e.toJSON(), extra);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function parseJsonBody(req: ControlRequest): unknown {
  const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && type !== JSON_TYPE && type !== 'application/merge-patch+json') {
    throw new KindlingError(415, 'unsupported_media_type', `send JSON (Content-Type: application/json), not ${type}`);
  }
  if (req.body.length === 0) throw new KindlingError(400, 'bad_request', 'the request body is empty; send a JSON object');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch (e) {
    throw new KindlingError(400, 'bad_request', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function methodNotAllowed(allowed: string[]): KindlingError {
  return new KindlingError(405, 'method_not_allowed', `use ${allowed.join(', ')}`, { allow: allowed });
}

const UUID_SEGMENT = /^[^/]+$/;

export function createControlHandler(deps: ControlDeps): ControlHandler {
  const expected = digest(deps.token);
  const openapi = json(200, openApiDocument(deps.version));
  const authorized = (req: ControlRequest): boolean => {
    const h = req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    // Hashing first makes the comparison constant-time whatever the lengths.
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };

  async function route(req: ControlRequest, path: string, query: URLSearchParams): Promise<Reply> {
    const { method } = req;
    if (path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET']);
      const why = deps.notReady();
      const degraded = why ? undefined : deps.degraded?.();
      const status = why ? 'starting' : degraded ? 'degraded' : 'ok';
      return json(why ? 503 : 200, { status, ...(why || degraded ? { reason: why ?? degraded } : {}), ...deps.health() });
    }
    if (path === '/v1/openapi.json') return openapi;
    if (!path.startsWith('/v1/')) throw new KindlingError(404, 'not_found', `no such endpoint ${path}; the API lives under /v1`);
    if (req.bodyTooLarge) throw new KindlingError(413, 'payload_too_large', 'the request body is too large');

    const parts = path.slice(4).split('/');
    if (parts[0] !== 'instances' || parts.length > 3) throw new KindlingError(404, 'not_found', `no such endpoint ${path}`);
    if (parts.length === 1) {
      if (method === 'GET') {
        const limitText = query.get('limit');
        const limit = limitText === null ? undefined : Number(limitText);
        const list = await deps.registry.list({
          ...(query.get('project_id') !== null ? { project_id: query.get('project_id')! } : {}),
          ...(query.get('address') !== null ? { address: query.get('address')! } : {}),
          ...(query.get('marker') !== null ? { marker: query.get('marker')! } : {}),
          ...(limit !== undefined ? { limit } : {}),
        });
        const pageSize = limit ?? 100;
        const next = list.length === pageSize ? list[list.length - 1]!.uuid : null;
        return json(200, { instances: list.map(toApi), next_marker: next });
      }
      if (method === 'POST') {
        const created = await deps.registry.create(parseJsonBody(req));
        return json(201, toApi(created), ['Location', `/v1/instances/${created.uuid}`]);
      }
      throw methodNotAllowed(['GET', 'POST']);
    }
    const id = parts[1]!;
    if (!UUID_SEGMENT.test(id) || id === '') throw new KindlingError(404, 'not_found', `no such endpoint ${path}`);
    if (parts.length === 2) {
      if (method === 'GET') return json(200, toApi(await deps.registry.get(id)));
      if (method === 'PATCH') return json(200, toApi(await deps.registry.patch(id, parseJsonBody(req))));
      if (method === 'DELETE') {
        await deps.registry.delete(id);
        return noContent();
      }
      throw methodNotAllowed(['GET', 'PATCH', 'DELETE']);
    }
    if (parts[2] === 'user-data') {
      if (method === 'GET') {
        const i: Instance = await deps.registry.get(id);
        if (i.user_data === null) throw new KindlingError(404, 'not_found', `instance ${i.uuid} has no user data`);
        return makeReply(200, 'application/octet-stream', i.user_data);
      }
      if (method === 'PUT') return json(200, toApi(await deps.registry.setUserData(id, new Uint8Array(req.body))));
      if (method === 'DELETE') {
        await deps.registry.setUserData(id, null);
        return noContent();
      }
      throw methodNotAllowed(['GET', 'PUT', 'DELETE']);
    }
    if (parts[2] === 'config-drive') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(['GET']);
      return configDriveReply(await deps.registry.get(id), query, deps.drives);
    }
    if (parts[2] === 'password') {
      if (method === 'GET') return json(200, { password: (await deps.registry.get(id)).password });
      if (method === 'DELETE') {
        await deps.registry.clearPassword(id);
        return noContent();
      }
      throw methodNotAllowed(['GET', 'DELETE']);
    }
    throw new KindlingError(404, 'not_found', `no such endpoint ${path}`);
  }

  return async (req) => {
    let url: URL;
    try {
      url = new URL(req.target, 'http://control.invalid');
    } catch {
      return errorReply(new KindlingError(400, 'bad_request', 'malformed request target'));
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const open = path === '/healthz' || path === '/v1/openapi.json';
    if (!open && !authorized(req)) {
      return errorReply(new KindlingError(401, 'unauthorized', 'missing or wrong bearer token (see the token file written by kindling serve)'), ['WWW-Authenticate', 'Bearer']);
    }
    try {
      return await route(req, path, url.searchParams);
    } catch (e) {
      if (e instanceof KindlingError) {
        const extra = e.status === 405 && e.details && 'allow' in e.details ? ['Allow', (e.details.allow as string[]).join(', ')]
          : e.status === 503 ? ['Retry-After', '5'] : [];
        return errorReply(e, extra);
      }
      deps.logError(`control API ${req.method} ${path}: ${(e as Error)?.stack ?? e}`);
      return errorReply(new KindlingError(500, 'internal', 'internal error; see the service log'));
    }
  };
}
