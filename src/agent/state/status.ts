// status.json and result.json, as cloud-init's status_wrapper keeps them: in /var/lib/cloud/data,
// linked (relatively) from /run/cloud-init so a file from a previous boot is invisible until this
// boot's local stage replaces it. Start/finish times are epoch seconds, as in cloud-init 22.4.
// Beyond 22.4, each stage also records recoverable_errors (warnings by level), which `status`
// uses for its exit code 2 (as cloud-init 23.4+ does).
import type { Host } from '../host/host.js';
import type { Paths } from './paths.js';

export const STAGE_MODES = ['init', 'init-local', 'modules-init', 'modules-config', 'modules-final'] as const;
export type StageMode = (typeof STAGE_MODES)[number];

export interface StageStatus {
  errors: string[];
  recoverable_errors?: Record<string, string[]>;
  start: number | null;
  finished: number | null;
}

export interface StatusV1 {
  datasource: string | null;
  stage: StageMode | null;
  [mode: string]: StageStatus | string | null;
}

export interface StatusFile {
  v1: StatusV1;
}

function relLink(from: string, to: string): string {
  // relative path from dir(from) to `to`, both absolute
  const a = from.split('/').filter(Boolean).slice(0, -1);
  const b = to.split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

/**
 * JSON as cloud-init's json_dumps/write_json write it: indent 1, sorted keys, non-ASCII escaped as
 * \uXXXX (Python's ensure_ascii), and a trailing newline.
 */
export function jsonDumps(v: unknown): string {
  const t = JSON.stringify(sortKeys(v), null, 1) ?? 'null';
  return `${t.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}

export class StatusStore {
  readonly statusPath: string;
  readonly resultPath: string;
  readonly statusLink: string;
  readonly resultLink: string;

  constructor(
    private readonly host: Host,
    paths: Paths,
  ) {
    this.statusPath = paths.dataFile('status.json');
    this.resultPath = paths.dataFile('result.json');
    this.statusLink = `${paths.runDir}/status.json`;
    this.resultLink = `${paths.runDir}/result.json`;
  }

  async read(): Promise<StatusFile | undefined> {
    try {
      const t = await this.host.fs.readTextIfExists(this.statusPath);
      if (!t) return undefined;
      const v = JSON.parse(t) as StatusFile;
      return v && typeof v === 'object' && v.v1 ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** Reads through the /run link: what this boot has reported (undefined before its local stage). */
  async readCurrent(): Promise<StatusFile | undefined> {
    try {
      const t = await this.host.fs.readTextIfExists(this.statusLink);
      return t ? (JSON.parse(t) as StatusFile) : undefined;
    } catch {
      return undefined;
    }
  }

  async readResult(): Promise<{ v1: { datasource: string | null; errors: string[] } } | undefined> {
    try {
      const t = await this.host.fs.readTextIfExists(this.resultLink);
      return t ? JSON.parse(t) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Marks `mode` started; the local stage starts from a clean slate. */
  async begin(mode: StageMode): Promise<StatusFile> {
    let status: StatusFile | undefined;
    if (mode === 'init-local') {
      for (const f of [this.statusLink, this.resultLink, this.statusPath, this.resultPath]) await this.host.fs.remove(f);
    } else {
      status = await this.read();
    }
    status ??= { v1: { datasource: null, stage: null } };
    for (const m of STAGE_MODES) {
      if (!status.v1[m] || typeof status.v1[m] !== 'object') status.v1[m] = { errors: [], start: null, finished: null };
    }
    status.v1.stage = mode;
    (status.v1[mode] as StageStatus).start = this.host.clock.now();
    await this.write(status);
    return status;
  }

  async finish(status: StatusFile, mode: StageMode, r: { datasource?: string | null; errors: string[]; recoverable?: Record<string, string[]> }): Promise<void> {
    const s = status.v1[mode] as StageStatus;
    if (r.datasource) status.v1.datasource = r.datasource;
    s.errors = r.errors;
    if (r.recoverable && Object.keys(r.recoverable).length) s.recoverable_errors = r.recoverable;
    else delete s.recoverable_errors;
    s.finished = this.host.clock.now();
    status.v1.stage = null;
    await this.write(status);
    if (mode === 'modules-final') {
      const errors: string[] = [];
      for (const m of STAGE_MODES) errors.push(...((status.v1[m] as StageStatus | undefined)?.errors ?? []));
      await this.host.fs.writeFile(this.resultPath, jsonDumps({ v1: { datasource: status.v1.datasource, errors } }), { mode: 0o644 });
      await this.host.fs.symlink(relLink(this.resultLink, this.resultPath), this.resultLink);
    }
  }

  private async write(status: StatusFile): Promise<void> {
    await this.host.fs.writeFile(this.statusPath, jsonDumps(status), { mode: 0o644 });
    await this.host.fs.symlink(relLink(this.statusLink, this.statusPath), this.statusLink);
  }
}
