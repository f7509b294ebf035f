// cloud-init's readings of config values (util.is_true, is_false, translate_bool,
// get_cfg_option_list), so that `yes`, "on", 1 and True mean what they mean to cloud-init.
import { pyStr } from './shellify.js';

const TRUE_STRINGS = ['true', '1', 'on', 'yes'];
const FALSE_STRINGS = ['off', '0', 'no', 'false'];

export function isTrue(v: unknown, addons: string[] = []): boolean {
  if (typeof v === 'boolean') return v;
  return [...TRUE_STRINGS, ...addons].includes(pyStr(v).toLowerCase().trim());
}

export function isFalse(v: unknown, addons: string[] = []): boolean {
  if (typeof v === 'boolean') return !v;
  return [...FALSE_STRINGS, ...addons].includes(pyStr(v).toLowerCase().trim());
}

/** Python truthiness: None, False, 0, "", [] and {} are false. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** translate_bool: falsy values are false, booleans are themselves, the rest is is_true. */
export function translateBool(v: unknown, addons: string[] = []): boolean {
  if (!pyTruthy(v)) return false;
  if (typeof v === 'boolean') return v;
  return isTrue(v, addons);
}

/** get_cfg_option_bool. */
export function cfgBool(obj: Record<string, unknown>, key: string, def = false): boolean {
  return key in obj ? translateBool(obj[key]) : def;
}

/** get_cfg_option_list: a list as is, None as [], anything else as [str(value)]. */
export function cfgList(obj: Record<string, unknown>, key: string, def?: unknown[]): unknown[] | undefined {
  if (!(key in obj)) return def;
  const v = obj[key];
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return [...v];
  return [pyStr(v)];
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Python's type name of a YAML value, for error messages that quote cloud-init's. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}
