// SSH public key fingerprints and sizes computed from the key blob, as `ssh-keygen -l` prints
// them ("256 SHA256:... comment (ED25519)"), without running ssh-keygen for each key.
import { crypto } from '../host/lazy-builtins.js';

function readString(buf: Buffer, off: number): [Buffer, number] {
  if (off + 4 > buf.length) throw new Error('truncated key');
  const len = buf.readUInt32BE(off);
  if (off + 4 + len > buf.length) throw new Error('truncated key');
  return [buf.subarray(off + 4, off + 4 + len), off + 4 + len];
}

function mpintBits(b: Buffer): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i] as number));
}

export interface KeyInfo {
  bits: number;
  type: string; // RSA, ED25519, ECDSA, DSA
}

export function keyInfo(blob: Buffer): KeyInfo | undefined {
  try {
    const [t, o1] = readString(blob, 0);
    const type = t.toString('latin1');
    if (type === 'ssh-rsa') {
      const [, o2] = readString(blob, o1);
      const [n] = readString(blob, o2);
      return { bits: mpintBits(n), type: 'RSA' };
    }
    if (type === 'ssh-dss') {
      const [p] = readString(blob, o1);
      return { bits: mpintBits(p), type: 'DSA' };
    }
    if (type === 'ssh-ed25519') return { bits: 256, type: 'ED25519' };
    const m = /^ecdsa-sha2-nistp(\d+)$/.exec(type);
    if (m) return { bits: Number(m[1]), type: 'ECDSA' };
    if (type.startsWith('sk-ssh-ed25519')) return { bits: 256, type: 'ED25519-SK' };
    if (type.startsWith('sk-ecdsa')) return { bits: 256, type: 'ECDSA-SK' };
  } catch {
    return undefined;
  }
  return undefined;
}

export function sha256Fingerprint(b64: string): string {
  return `SHA256:${crypto().createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** cloud-init's hex fingerprint with colons (ssh_authkey_fingerprints). */
export function hexFingerprint(b64: string, hash = 'sha256'): string {
  try {
    const hex = crypto().createHash(hash).update(Buffer.from(b64, 'base64')).digest('hex');
    return (hex.match(/../g) ?? []).join(':');
  } catch {
    return '?';
  }
}
