// Seeded random trees for fuzzing the image writers: awkward names (dots, case, spaces, Unicode,
// up to 255 bytes), depth, empty and multi-sector files, and directories big enough to span
// several sectors. The seed is part of every failure message so a failure can be replayed.

import { dir, file, symlink, type DirNode, type TreeNode } from '../../src/server/config-drive/image-tree.js';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomTreeOptions {
  maxDepth?: number;
  maxEntries?: number;
  symlinks?: boolean;
  /** Characters names are drawn from. */
  alphabet?: string[];
  maxNameBytes?: number;
  /** FAT: siblings never differ only in case, and no name ends in a dot or a space. */
  fat?: boolean;
}

const DEFAULT_ALPHABET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', '.', '.', '-', '_', ' ', '~', '+', ',', '=', '@', 'é', 'ü', '✓', '中', '😀'];

export function randomTree(seed: number, o: RandomTreeOptions = {}): DirNode {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const alphabet = o.alphabet ?? DEFAULT_ALPHABET;
  const maxBytes = o.maxNameBytes ?? 255;
  const maxDepth = o.maxDepth ?? 6;
  const maxEntries = o.maxEntries ?? 12;
  let budget = 600; // total entries, so a tree stays quick to check

  const name = (): string => {
    const lengths = [1, 2, 5, 8, 12, 20, 31, 40, 64, 65, 100, 200, 255];
    const want = lengths[int(lengths.length)]!;
    let s = '';
    while (Buffer.byteLength(s) < want) {
      const ch = alphabet[int(alphabet.length)]!;
      if (Buffer.byteLength(s + ch) > Math.min(want, maxBytes)) break;
      s += ch;
    }
    if (s === '' || s === '.' || s === '..' || s.trim() !== s || (o.fat && s.endsWith('.'))) return `n${int(1e6)}`;
    return s;
  };
  const size = (): number => {
    const sizes = [0, 1, 2, 100, 2047, 2048, 2049, 4096, 5000, 20000, 70000];
    return sizes[int(sizes.length)]!;
  };
  const content = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };

  const build = (depth: number, wide: boolean): DirNode => {
    const entries = new Map<string, TreeNode>();
    const keys = new Set<string>();
    const count = wide ? 150 + int(150) : int(maxEntries + 1);
    for (let i = 0; i < count && budget > 0; i++) {
      const n = name();
      const key = o.fat ? n.toUpperCase() : n;
      if (keys.has(key)) continue;
      keys.add(key);
      budget--;
      const r = rnd();
      if (r < 0.25 && depth < maxDepth) entries.set(n, build(depth + 1, false));
      else if (o.symlinks && r < 0.32) entries.set(n, symlink(rnd() < 0.5 ? `../${name()}/x` : `/etc/${name()}`));
      else entries.set(n, file(content(size())));
    }
    return dir(entries);
  };
  // One wide directory, so its records span several sectors.
  const root = build(0, false);
  budget = Math.max(budget, 300);
  root.entries.set('wide', build(1, true));
  return root;
}
