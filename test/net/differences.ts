// The deliberate differences from cloud-init 22.4's network output, as docs/compatibility.md lists
// them between the net-differences markers: a table of case, target (distro:renderer), file and
// reason, where case, target and file may each be a comma-separated list of patterns using *. The oracle test reads it: every
// difference it finds must match a row, and every row must match a difference it finds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface DifferenceRow {
  caseGlob: string;
  targetGlob: string;
  fileGlob: string;
  reason: string;
  line: number;
}

export const COMPAT_DOC = join(repoRoot, 'docs/compatibility.md');
const BEGIN = '<!-- net-differences:begin -->';
const END = '<!-- net-differences:end -->';

export function loadDifferenceRows(path = COMPAT_DOC): DifferenceRow[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const b = lines.findIndex((l) => l.trim() === BEGIN);
  const e = lines.findIndex((l) => l.trim() === END);
  if (b < 0 || e < b) throw new Error(`${path}: no ${BEGIN} ... ${END} table`);
  const rows: DifferenceRow[] = [];
  for (let i = b + 1; i < e; i++) {
    const l = lines[i]!.trim();
    if (!l.startsWith('|') || /^\|\s*-/.test(l) || /^\|\s*Case\s*\|/i.test(l)) continue;
    const cells = l.slice(1, l.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
    if (cells.length < 4 || cells.slice(0, 4).some((c) => !c)) throw new Error(`${path}:${i + 1}: a row needs case, target, file and reason`);
    rows.push({ caseGlob: cells[0]!, targetGlob: cells[1]!, fileGlob: cells[2]!, reason: cells.slice(3).join('|'), line: i + 1 });
  }
  return rows;
}

export function globMatch(glob: string, s: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

const anyGlob = (globs: string, s: string) => globs.split(',').some((g) => globMatch(g.trim().replace(/^`|`$/g, ''), s));

export function rowMatches(r: DifferenceRow, caseName: string, target: string, file: string): boolean {
  return anyGlob(r.caseGlob, caseName) && anyGlob(r.targetGlob, target) && anyGlob(r.fileGlob, file);
}
