// Nova's proxy mode: Neutron's metadata proxy (or any proxy configured like it) asserts the
// instance with X-Instance-ID and X-Tenant-ID and signs the id: X-Instance-ID-Signature =
// hex(HMAC-SHA256(shared secret, instance id)). Only configured proxy addresses may use it.
// Nova's answers: a missing header 400, a bad signature 403, a tenant mismatch 404, an unknown
// instance 404. The comparison is constant-time, and neither the signature nor the secret is ever
// logged.
import { createHmac } from 'node:crypto';
import type { InstanceIndex } from '../guest/instance-index.js';
import { errorReply, NOT_FOUND } from '../guest/reply.js';
import { forwardedFor, type Identifier } from './identify.js';
import type { TrustedProxies } from './trusted-proxies.js';

const MISSING_ID = errorReply(400, 'X-Instance-ID header is missing from request.');
const MISSING_SIG = errorReply(400, 'X-Instance-ID-Signature header is missing from request.');
const MISSING_TENANT = errorReply(400, 'X-Tenant-ID header is missing from request.');
const MULTIPLE_ID = errorReply(400, 'Multiple X-Instance-ID headers found within request.');
const MULTIPLE_TENANT = errorReply(400, 'Multiple X-Tenant-ID headers found within request.');
const BAD_SIG = errorReply(403, 'Invalid proxy request signature.');
const NOT_PROXY = errorReply(403, 'Not a trusted metadata proxy.');

/** Equality of two strings in time that depends only on their length (public: 64 hex digits). */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function neutronProxyIdentifier(index: InstanceIndex, secret: string, trusted: TrustedProxies): Identifier {
  const key = Buffer.from(secret, 'utf8');
  const sign = (id: string) => createHmac('sha256', key).update(id, 'utf8').digest('hex');
  return {
    mode: 'neutron-proxy',
    identify(req) {
      if (!trusted.has(req.peer)) return NOT_PROXY;
      const id = req.header('x-instance-id');
      const signature = req.header('x-instance-id-signature');
      const tenant = req.header('x-tenant-id');
      if (id === undefined) return MISSING_ID;
      if (signature === undefined) return MISSING_SIG;
      if (tenant === undefined) return MISSING_TENANT;
      if (id.includes(',')) return MULTIPLE_ID;
      if (tenant.includes(',')) return MULTIPLE_TENANT;
      const entry = index.byUuid(id);
      // a known instance's expected signature is computed once
      const expected = entry ? (entry.signature ??= sign(id)) : sign(id);
      if (!sameSecret(signature, expected)) return BAD_SIG;
      if (!entry || entry.projectId !== tenant) return NOT_FOUND;
      return entry;
    },
    // Neutron's proxy adds the guest's address; a second one means the guest forwarded for someone
    extraHop: (req) => forwardedFor(req).length > 1,
  };
}
