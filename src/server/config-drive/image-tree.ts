// The input of every image writer (ISO9660, FAT): a tree of directories, files and symlinks whose
// file contents are either in memory or streamed from a source whose size is known up front, so a
// writer can lay the whole image out (and announce its length) before it reads a single file byte.

/** File content that is read only while the image streams out. It must yield exactly `size` bytes. */
export interface StreamedContent {
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
}

export type Content = Uint8Array | string | StreamedContent;

export interface FileNode {
  readonly kind: 'file';
  readonly content: Content;
  /** Permission bits (e.g. 0o444); writers that carry modes use a read-only default. */
  readonly mode?: number;
  readonly mtime?: Date;
}

export interface SymlinkNode {
  readonly kind: 'symlink';
  readonly target: string;
  readonly mtime?: Date;
}

export interface DirNode {
  readonly kind: 'dir';
  readonly entries: Map<string, TreeNode>;
  readonly mode?: number;
  readonly mtime?: Date;
}

export type TreeNode = FileNode | SymlinkNode | DirNode;

/** A refused input, with a stable code so the CLI and the control API can report it plainly. */
export class ImageError extends Error {
  constructor(
    readonly code: 'bad-name' | 'bad-label' | 'too-large' | 'bad-content' | 'bad-tree',
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

export function dir(entries: Record<string, TreeNode> | Map<string, TreeNode> = {}, opts: { mode?: number; mtime?: Date } = {}): DirNode {
  return { kind: 'dir', entries: entries instanceof Map ? entries : new Map(Object.entries(entries)), ...opts };
}

export function file(content: Content, opts: { mode?: number; mtime?: Date } = {}): FileNode {
  return { kind: 'file', content, ...opts };
}

export function symlink(target: string, opts: { mtime?: Date } = {}): SymlinkNode {
  return { kind: 'symlink', target, ...opts };
}

/**
 * Builds a tree from slash-separated relative paths ("openstack/latest/meta_data.json"), creating
 * the directories on the way. A path that is both a file and a directory is refused.
 */
export function treeFromPaths(files: Iterable<readonly [string, Content | TreeNode]>): DirNode {
  const root = dir();
  for (const [path, value] of files) {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length === 0) throw new ImageError('bad-tree', `empty path in image tree`);
    let here = root;
    for (const part of parts.slice(0, -1)) {
      const next = here.entries.get(part);
      if (next === undefined) {
        const made = dir();
        here.entries.set(part, made);
        here = made;
      } else if (next.kind === 'dir') {
        here = next;
      } else {
        throw new ImageError('bad-tree', `${path}: ${part} is both a file and a directory`);
      }
    }
    const leaf = parts[parts.length - 1]!;
    if (here.entries.has(leaf)) throw new ImageError('bad-tree', `${path}: listed twice`);
    here.entries.set(leaf, isNode(value) ? value : file(value));
  }
  return root;
}

function isNode(v: Content | TreeNode): v is TreeNode {
  return typeof v === 'object' && !(v instanceof Uint8Array) && 'kind' in v;
}

export function contentSize(c: Content): number {
  if (typeof c === 'string') return Buffer.byteLength(c, 'utf8');
  if (c instanceof Uint8Array) return c.byteLength;
  return c.size;
}

/** In-memory content as bytes (strings as UTF-8); streamed content is left alone. */
export function contentBytes(c: Content): Uint8Array | StreamedContent {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A name must be usable as a POSIX file name: not empty, not "." or "..", no "/" or NUL, valid
 * Unicode (no lone surrogates, which no on-disk encoding can carry) and at most 255 UTF-8 bytes.
 */
export function checkName(name: string, where: string): void {
  const why =
    name === '' ? 'an empty name'
    : name === '.' || name === '..' ? `the name "${name}"`
    : name.includes('/') ? 'a "/" in a name'
    : name.includes('\0') ? 'a NUL in a name'
    : LONE_SURROGATE.test(name) ? 'a name that is not valid Unicode'
    : Buffer.byteLength(name, 'utf8') > 255 ? 'a name longer than 255 bytes'
    : undefined;
  if (why) throw new ImageError('bad-name', `${where}: ${why} cannot go into an image`);
}

/** Joins a parent path and a name for messages. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
