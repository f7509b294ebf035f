// A read-only view of a filesystem image (ISO 9660 or FAT) by path, over a driver that knows one
// format's directories. Paths are resolved inside the image only: a symlink (Rock Ridge) whose
// target is absolute or climbs above the image's root resolves to nothing, where a kernel mount
// would have followed it into the reading machine's own files.

import { ImageFormatError } from './read-at.js';

export interface ImageNode {
  kind: 'file' | 'dir' | 'symlink';
  size: number;
  /** Symlink target as stored. */
  target?: string;
}

export interface ImageDriver<N extends ImageNode> {
  readonly type: 'iso9660' | 'vfat';
  readonly root: N;
  /** Names compare without case (FAT, and ISO 9660 without Rock Ridge or Joliet, as Linux reads them). */
  readonly caseInsensitive: boolean;
  children(dir: N): Promise<Map<string, N>>;
  /** The file's bytes; ImageFormatError beyond maxBytes. */
  content(file: N, maxBytes: number): Promise<Uint8Array>;
}

const MAX_LINKS = 40;

export class ImageFs<N extends ImageNode = ImageNode> {
  private readonly dirs = new Map<N, Promise<Map<string, N>>>();

  constructor(
    private readonly driver: ImageDriver<N>,
    /** The volume label as blkid reports it (LABEL). */
    readonly label: string | undefined,
  ) {}

  get type(): 'iso9660' | 'vfat' {
    return this.driver.type;
  }

  private children(dir: N): Promise<Map<string, N>> {
    let p = this.dirs.get(dir);
    if (!p) {
      p = this.driver.children(dir);
      this.dirs.set(dir, p);
    }
    return p;
  }

  private async child(dir: N, name: string): Promise<N | undefined> {
    const kids = await this.children(dir);
    const exact = kids.get(name);
    if (exact || !this.driver.caseInsensitive) return exact;
    const want = name.toLowerCase();
    for (const [k, v] of kids) if (k.toLowerCase() === want) return v;
    return undefined;
  }

  /** The node at path (symlinks inside the image followed), or undefined. */
  async lookup(path: string): Promise<N | undefined> {
    const pending = path.split('/').filter((c) => c !== '' && c !== '.').reverse();
    const stack: N[] = [this.driver.root];
    let links = 0;
    while (pending.length) {
      const comp = pending.pop() as string;
      if (comp === '..') {
        if (stack.length === 1) return undefined; // above the image's root
        stack.pop();
        continue;
      }
      const dir = stack[stack.length - 1] as N;
      if (dir.kind !== 'dir') return undefined;
      const node = await this.child(dir, comp);
      if (!node) return undefined;
      if (node.kind === 'symlink') {
        if (++links > MAX_LINKS) return undefined;
        const t = node.target ?? '';
        if (t.startsWith('/')) return undefined; // outside the image
        const parts = t.split('/').filter((c) => c !== '' && c !== '.');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
        continue;
      }
      stack.push(node);
    }
    return stack[stack.length - 1];
  }

  async kind(path: string): Promise<'file' | 'dir' | undefined> {
    const n = await this.lookup(path);
    return n ? (n.kind === 'dir' ? 'dir' : 'file') : undefined;
  }

  /** Names in a directory, sorted; undefined when path is not a directory. */
  async readdir(path: string): Promise<string[] | undefined> {
    const n = await this.lookup(path);
    if (!n || n.kind !== 'dir') return undefined;
    return [...(await this.children(n)).keys()].sort();
  }

  /**
   * Every entry under the root, path → kind (and symlink target), symlinks not followed; for
   * diagnostics and tests. At most maxEntries (ImageFormatError beyond).
   */
  async walk(maxEntries = 100_000): Promise<Map<string, { kind: ImageNode['kind']; size: number; target?: string }>> {
    const out = new Map<string, { kind: ImageNode['kind']; size: number; target?: string }>();
    const visit = async (dir: N, prefix: string): Promise<void> => {
      for (const [name, node] of await this.children(dir)) {
        const p = prefix ? `${prefix}/${name}` : name;
        if (out.size >= maxEntries) throw new ImageFormatError(`more than ${maxEntries} entries`);
        out.set(p, { kind: node.kind, size: node.size, ...(node.target !== undefined ? { target: node.target } : {}) });
        if (node.kind === 'dir') await visit(node, p);
      }
    };
    await visit(this.driver.root, '');
    return out;
  }

  /** A file's bytes; undefined when missing or not a file; ImageFormatError when over maxBytes. */
  async readFile(path: string, maxBytes = 64 * 1024 * 1024): Promise<Uint8Array | undefined> {
    const n = await this.lookup(path);
    if (!n || n.kind !== 'file') return undefined;
    if (n.size > maxBytes) throw new ImageFormatError(`${path}: ${n.size} bytes, more than the ${maxBytes} allowed`);
    return this.driver.content(n, maxBytes);
  }
}
