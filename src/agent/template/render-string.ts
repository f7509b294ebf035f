// cloud-init's templater.render_string: a first line "## template: jinja" selects Jinja, anything
// else (or "## template: basic") the basic renderer, which replaces $name, ${name} and dotted
// ${a.b} from the parameters and fails on a name it does not know (as cloud-init's KeyError).
import { renderJinja } from './jinja.js';

const TYPE_MATCHER = /^##\s*template:(.*)$/i;
const BASIC_MATCHER = /\$\{([A-Za-z0-9_.]+)\}|\$([A-Za-z0-9_.]+)/g;

export class TemplateKeyError extends Error {}

function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

export function basicRender(content: string, params: Record<string, unknown>): string {
  return content.replace(BASIC_MATCHER, (_m, a: string | undefined, b: string | undefined) => {
    const path = (a ?? b ?? '').split('.');
    let sel: unknown = params;
    for (const key of path) {
      if (!sel || typeof sel !== 'object' || Array.isArray(sel)) throw new TypeError(`Can not extract key '${key}' from non-dictionary '${pyStr(sel)}'`);
      if (!Object.prototype.hasOwnProperty.call(sel, key)) throw new TemplateKeyError(`'${key}'`);
      sel = (sel as Record<string, unknown>)[key];
    }
    return pyStr(sel);
  });
}

/** detect_template: the engine and the text it renders (the header line removed). */
export function detectTemplate(text: string): { engine: 'jinja' | 'basic'; body: string } {
  const nl = text.indexOf('\n');
  const ident = nl >= 0 ? text.slice(0, nl) : text;
  const rest = nl >= 0 ? text.slice(nl + 1) : '';
  const m = TYPE_MATCHER.exec(ident);
  if (!m) return { engine: 'basic', body: text };
  const type = (m[1] as string).toLowerCase().trim();
  if (type !== 'jinja' && type !== 'basic') throw new Error(`Unknown template rendering type '${type}' requested`);
  return { engine: type, body: rest };
}

export function renderString(text: string, params: Record<string, unknown>): string {
  const { engine, body } = detectTemplate(text);
  return engine === 'jinja' ? renderJinja(body, params) : basicRender(body, params);
}
