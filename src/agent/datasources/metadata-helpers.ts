// Small conversions shared by datasources: public key normalisation as cloud-init's
// normalize_pubkey_data, and bytes → "ci-b64:<base64>" so cached metadata stays JSON.

export function normalizePubkeys(data: unknown): string[] {
  if (!data) return [];
  if (typeof data === 'string') return data.split(/\r?\n/).filter((_, i, a) => !(i === a.length - 1 && a[i] === ''));
  if (Array.isArray(data)) return data.map(String);
  if (typeof data === 'object') {
    const out: string[] = [];
    for (const v of Object.values(data as Record<string, unknown>)) {
      const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
      for (const k of list) if (k) out.push(String(k));
    }
    return out;
  }
  return [];
}

/** Deep copy with every Uint8Array made "ci-b64:<base64>" (cloud-init's JSON for bytes). */
export function toCiJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return `ci-b64:${Buffer.from(v).toString('base64')}`;
  if (Array.isArray(v)) return v.map(toCiJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCiJson(x)]));
  return v;
}

/** The bytes of a "ci-b64:" value, or the UTF-8 bytes of a plain string. */
export function fromCiB64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return undefined;
  return v.startsWith('ci-b64:') ? Buffer.from(v.slice(7), 'base64') : Buffer.from(v, 'utf8');
}
