// JSON text exactly as Python's json.dumps writes it with default arguments (what Nova's
// jsonutils.dump_as_bytes produces): ", " and ": " separators, keys in insertion order, and every
// non-ASCII character escaped as \uXXXX (surrogate pairs above the BMP). Guests parse either form;
// writing Nova's bytes lets a byte-for-byte comparison with a real Nova hold.

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

// Python's ensure_ascii escapes everything outside ' '..'~', plus the quote and the backslash.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NEEDS_ESCAPE_G = /["\\\u0000-\u001f\u007f-\uffff]/g;

export function pythonJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(NEEDS_ESCAPE_G, (c) => {
    const e = ESCAPES[c];
    if (e !== undefined) return e;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}

function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) {
    // Python writes NaN/Infinity (invalid JSON); refuse instead of emitting something guests reject.
    throw new TypeError(`cannot serialise non-finite number ${n}`);
  }
  if (Number.isInteger(n)) return String(n);
  // Python's float repr pads the exponent to two digits (1e-07); JavaScript does not (1e-7).
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      return pythonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        if (value.length === 0) return '[]';
        return `[${value.map(pythonJson).join(', ')}]`;
      }
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        parts.push(`${pythonJsonString(k)}: ${pythonJson(v)}`);
      }
      return parts.length === 0 ? '{}' : `{${parts.join(', ')}}`;
    }
    default:
      throw new TypeError(`cannot serialise ${typeof value}`);
  }
}

/**
 * Serialises a top-level object whose member `holeKey` is a string supplied later: returns the text
 * before and after that string's characters (quotes included in before/after). The service splices
 * a fresh value (meta_data.json's random_seed) between the two for every request without
 * re-serialising the rest. The hole value must not need escaping (base64 does not).
 */
export function pythonJsonWithHole(obj: Record<string, unknown>, holeKey: string): [string, string] {
  const [before, after] = pythonJsonPieces(obj, holeKey);
  return [before.map((m) => m.text).join(''), after.map((m) => m.text).join('')];
}

/** A member's text with the punctuation before it ('{' or ', '); the closing brace has key ''. */
export interface JsonPiece {
  key: string;
  text: string;
}

/**
 * pythonJsonWithHole's two texts as pieces, one per member, so that a caller can keep members that
 * many documents share once: joined, they are exactly the texts pythonJsonWithHole returns. The
 * hole's member ends the first list; the second starts with the quote that closes it.
 */
export function pythonJsonPieces(obj: Record<string, unknown>, holeKey: string): [JsonPiece[], JsonPiece[]] {
  const before: JsonPiece[] = [];
  const after: JsonPiece[] = [];
  let out = before;
  let sep = '{';
  for (const [k, v] of Object.entries(obj)) {
    if (k === holeKey) {
      before.push({ key: k, text: `${sep}${pythonJsonString(k)}: "` });
      out = after;
      sep = '", ';
      continue;
    }
    if (v === undefined) continue;
    out.push({ key: k, text: `${sep}${pythonJsonString(k)}: ${pythonJson(v)}` });
    sep = ', ';
  }
  if (out !== after) throw new Error(`no member ${holeKey}`);
  after.push({ key: '', text: sep === '", ' ? '"}' : '}' });
  return [before, after];
}
