// The EC2 meta-data tree walk as cloud-init's MetadataMaterializer does it: a listing line ending in
// "/" is a child directory, `N=name` under public-keys is the key N's openssh-key, leaves that look
// like JSON objects are parsed, multi-line leaves become lists, security-credentials is skipped.
// The caller supplies `get(url)`; this module does no I/O. Children and leaves of one listing are
// fetched in parallel (cloud-init fetches them one by one).

export type TreeGet = (url: string) => Promise<string>;
export type Ec2Value = string | string[] | Record<string, unknown>;

export function combineUrl(base: string, ...parts: string[]): string {
  let url = base;
  for (const p of parts) {
    if (!p) continue;
    url = `${url.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
  }
  return url;
}

export function parseListing(blob: string): { leaves: Map<string, string>; children: string[] } {
  const leaves = new Map<string, string>();
  const children: string[] = [];
  for (let field of blob.split(/\r?\n/)) {
    field = field.trim();
    const name = field.endsWith('/') ? field.replace(/\/+$/, '') : field;
    if (!field || !name) continue;
    if (name === 'security-credentials') continue;
    if (field.endsWith('/')) {
      if (!children.includes(name)) children.push(name);
      continue;
    }
    let resource = name;
    let key = name;
    const eq = field.indexOf('=');
    if (eq >= 0) {
      const ident = field.slice(0, eq).trim();
      if (/^[+-]?\d+$/.test(ident)) {
        resource = `${Number.parseInt(ident, 10)}/openssh-key`;
        key = field.slice(eq + 1);
      }
    }
    leaves.set(key, resource);
  }
  return { leaves, children };
}

export function decodeLeaf(blob: string): Ec2Value {
  if (!blob) return '';
  const t = blob.trim();
  if (t.startsWith('{') && t.endsWith('}')) {
    try {
      return JSON.parse(t) as Record<string, unknown>;
    } catch {
      // not JSON after all: fall through to text
    }
  }
  if (blob.includes('\n')) return blob.split(/\r?\n/).filter((_, i, a) => !(i === a.length - 1 && a[i] === ''));
  return blob;
}

export async function materializeEc2(listing: string, baseUrl: string, get: TreeGet, depth = 0): Promise<Record<string, unknown>> {
  if (depth > 16) return {}; // a service that lists itself forever
  const { leaves, children } = parseListing(listing);
  const out: Record<string, unknown> = {};
  const childResults = await Promise.all(
    children.map(async (c) => {
      let url = combineUrl(baseUrl, c);
      if (!url.endsWith('/')) url += '/';
      return [c, await materializeEc2(await get(url), url, get, depth + 1)] as const;
    }),
  );
  for (const [c, v] of childResults) out[c] = v;
  const leafResults = await Promise.all([...leaves].map(async ([field, resource]) => [field, decodeLeaf(await get(combineUrl(baseUrl, resource)))] as const));
  for (const [field, v] of leafResults) if (!(field in out)) out[field] = v;
  return out;
}
