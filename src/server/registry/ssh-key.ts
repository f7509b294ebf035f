// Is this an OpenSSH public key line? Type, base64 blob whose embedded type matches, optional
// comment, one line. Nova refuses anything else at keypair import; so do we, with the reason.
import { X509Certificate } from 'node:crypto';

const SSH_KEY_TYPES = new Set([
  'ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ssh-ed448',
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const CERT_TYPES = new Set([
  'ssh-rsa-cert-v01@openssh.com', 'ssh-dss-cert-v01@openssh.com', 'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
]);

function knownType(t: string): boolean {
  return SSH_KEY_TYPES.has(t) || CERT_TYPES.has(t);
}

/** undefined when valid, else the reason. */
export function sshPublicKeyProblem(line: string): string | undefined {
  if (/[\r\n\0]/.test(line.trim())) return 'must be a single line';
  const parts = line.trim().split(/[ \t]+/);
  const [type, blob] = parts;
  if (!type || !blob) return 'must look like "<type> <base64> [comment]"';
  if (!knownType(type)) return `unknown SSH key type ${JSON.stringify(type.slice(0, 40))} (options before the key are not accepted)`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return 'the key data is not base64';
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4) return 'the key data is truncated';
  const n = bytes.readUInt32BE(0);
  if (n > bytes.length - 4) return 'the key data is truncated';
  const inner = bytes.subarray(4, 4 + n).toString('latin1');
  if (inner !== type) return `the key data is a ${JSON.stringify(inner.slice(0, 40))} key, not ${type}`;
  if (type === 'ssh-rsa' && bytes.length < 100) return 'the RSA key is too short';
  return undefined;
}

export function x509Problem(pem: string): string | undefined {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return 'must be a PEM certificate';
  try {
    new X509Certificate(pem);
    return undefined;
  } catch (e) {
    return `not a valid certificate (${(e as Error).message})`;
  }
}
