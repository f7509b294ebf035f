// The expected view of an image tree, flattened like the readers' output: path → kind and bytes.

import type { DirNode, StreamedContent } from '../../src/server/config-drive/image-tree.js';

export interface Expected {
  kind: 'file' | 'dir' | 'symlink';
  data?: Buffer;
  target?: string;
}

async function bytesOf(c: Uint8Array | string | StreamedContent): Promise<Buffer> {
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  if (c instanceof Uint8Array) return Buffer.from(c);
  const parts: Uint8Array[] = [];
  for await (const p of c.open()) parts.push(p);
  return Buffer.concat(parts);
}

export async function flatten(tree: DirNode, prefix = ''): Promise<Map<string, Expected>> {
  const out = new Map<string, Expected>();
  for (const [name, node] of tree.entries) {
    const p = prefix ? `${prefix}/${name}` : name;
    if (node.kind === 'dir') {
      out.set(p, { kind: 'dir' });
      for (const [k, v] of await flatten(node, p)) out.set(k, v);
    } else if (node.kind === 'symlink') {
      out.set(p, { kind: 'symlink', target: node.target });
    } else {
      out.set(p, { kind: 'file', data: await bytesOf(node.content) });
    }
  }
  return out;
}
