// Errors that reach a client carry a stable machine-readable `code` and an HTTP status; the control
// API turns them into responses in one place (routes/control-api.ts), the CLI prints them.

export interface FieldProblem {
  /** JSON pointer into the request body, e.g. "/addresses/0/ip". */
  path: string;
  reason: string;
}

export type ErrorCode =
  | 'bad_request'
  | 'invalid_instance'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'store_unavailable'
  | 'internal';

export class KindlingError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldProblem[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = 'KindlingError';
  }

  toJSON(): Record<string, unknown> {
    return { error: { code: this.code, status: this.status, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what: string) => new KindlingError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) => new KindlingError(409, 'conflict', message, details);
export const badRequest = (message: string, details?: FieldProblem[]) => new KindlingError(400, 'bad_request', message, details);
export const invalidInstance = (problems: FieldProblem[]) =>
  new KindlingError(400, 'invalid_instance', problems.map((p) => `${p.path || '/'}: ${p.reason}`).join('; '), problems);
