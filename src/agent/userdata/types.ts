// User-data part types by their first line, as cloud-init's INCLUSION_TYPES_MAP (longest prefix
// first, case-insensitive, leading whitespace ignored).

export const INCLUSION_TYPES: Record<string, string> = {
  '#include': 'text/x-include-url',
  '#include-once': 'text/x-include-once-url',
  '#!': 'text/x-shellscript',
  '#cloud-config': 'text/cloud-config',
  '#part-handler': 'text/part-handler',
  '#cloud-boothook': 'text/cloud-boothook',
  '#cloud-config-archive': 'text/cloud-config-archive',
  '#cloud-config-jsonp': 'text/cloud-config-jsonp',
  '## template: jinja': 'text/jinja2',
  'text/x-shellscript-per-boot': 'text/x-shellscript-per-boot',
  'text/x-shellscript-per-instance': 'text/x-shellscript-per-instance',
  'text/x-shellscript-per-once': 'text/x-shellscript-per-once',
};
const SEARCH = Object.keys(INCLUSION_TYPES).sort((a, b) => b.length - a.length);

export function typeFromStartsWith(payload: Buffer | string, def?: string): string | undefined {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else {
    const head = payload.subarray(0, 256);
    text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    if (text.includes('\ufffd') && !isUtf8(head)) return def;
  }
  const lc = text.trimStart().toLowerCase();
  for (const p of SEARCH) if (lc.startsWith(p)) return INCLUSION_TYPES[p];
  return def;
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch (e) {
    // a multi-byte sequence cut at the 256-byte window is still UTF-8
    const msg = (e as Error).message;
    return b.length === 256 && !/invalid/i.test(msg);
  }
}

export const DECOMP_TYPES = [
  'application/gzip', 'application/gzip-compressed', 'application/gzipped', 'application/x-compress',
  'application/x-compressed', 'application/x-gunzip', 'application/x-gzip', 'application/x-gzip-compressed',
];
export const NOT_MULTIPART_TYPE = 'text/x-not-multipart';
export const INCLUDE_TYPES = ['text/x-include-url', 'text/x-include-once-url'];
export const ARCHIVE_TYPES = ['text/cloud-config-archive'];
