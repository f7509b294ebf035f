// instance-data as cloud-init's query and jinja templates see it (convert_jinja_instance_data):
// keys sorted, the v1 keys copied to the top level, base64-listed values decoded on request, and
// optionally an underscore alias for every key with "-" or "." in it (v1.local-hostname is also
// v1.local_hostname).

type Dict = Record<string, unknown>;

/** get_jinja_variable_alias: the key with "-" and "." made "_", or undefined when the same. */
export function jinjaAlias(key: string): string | undefined {
  const a = key.replace(/[-.]/g, '_');
  return a === key ? undefined : a;
}

function isDict(v: unknown): v is Dict {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function b64d(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const buf = Buffer.from(v, 'base64');
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? text : `ci-b64:${buf.toString('base64')}`;
}

export function convertInstanceData(data: Dict, opts: { aliases?: boolean; decodePaths?: string[] } = {}, prefix = ''): Dict {
  const out: Dict = {};
  const decode = (opts.decodePaths ?? []).map((p) => p.replace(/-/g, '_'));
  for (const key of Object.keys(data).sort()) {
    const keyPath = prefix ? `${prefix}/${key}` : key;
    let value = data[key];
    if (decode.includes(keyPath)) value = b64d(value);
    if (isDict(value)) {
      const sub = convertInstanceData(value, opts, keyPath);
      out[key] = sub;
      if (/^v\d+$/.test(key)) for (const [k, v] of Object.entries(sub)) out[k] = structuredClone(v);
    } else out[key] = value;
    if (opts.aliases) {
      const alias = jinjaAlias(key);
      if (alias) out[alias] = structuredClone(out[key]);
    }
  }
  return out;
}

/** The value at a dot-delimited path, accepting underscore aliases; throws cloud-init's messages. */
export function findLeaf(withoutAliases: Dict, withAliases: Dict, varname: string): unknown {
  let walked = '';
  let response: unknown = withoutAliases;
  let aliased: unknown = withAliases;
  for (const part of varname.split('.')) {
    if (!isDict(aliased) || !(part in aliased)) {
      throw new Error(walked ? `instance-data '${walked}' has no '${part}'` : `Undefined instance-data key '${varname}'`);
    }
    aliased = aliased[part];
    if (isDict(response) && part in response) response = response[part];
    else if (isDict(response)) {
      for (const key of Object.keys(response)) {
        if (jinjaAlias(key) === part) {
          response = response[key];
          break;
        }
      }
    }
    walked += walked ? `.${part}` : part;
  }
  return response;
}
