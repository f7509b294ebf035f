// cloud-init's SimpleTable (a PrettyTable look-alike) and util.center, for console tables.
export function simpleTable(fields: string[], rows: string[][]): string {
  const widths = fields.map((f, i) => Math.max(f.length, ...rows.map((r) => (r[i] ?? '').length)) + 2);
  const hr = `+${widths.map((w) => '-'.repeat(w)).join('+')}+`;
  const fmt = (cells: string[]) => `|${cells.map((c, i) => {
    const w = widths[i] as number;
    const total = w - c.length;
    const left = Math.floor(total / 2);
    return `${' '.repeat(left)}${c}${' '.repeat(total - left)}`;
  }).join('|')}|`;
  return [hr, fmt(fields), hr, ...rows.map(fmt), hr].join('\n');
}

/** Python's str.center with a fill character. */
export function center(text: string, fill: string, width: number): string {
  if (text.length >= width) return text;
  const total = width - text.length;
  const left = Math.floor(total / 2) + (total & width & 1);
  return `${fill.repeat(left)}${text}${fill.repeat(total - left)}`;
}
