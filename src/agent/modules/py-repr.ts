// Python's repr() of YAML data, for log lines that quote a config the way cloud-init prints it.
import { pyRepr } from './run-checked.js';

export function pyDictRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return pyRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyDictRepr).join(', ')}]`;
  if (v instanceof Uint8Array) return `b'...'`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyDictRepr(x)}`).join(', ')}}`;
}
