// YAML read the way PyYAML's safe_load reads it (cloud-init's loader): YAML 1.1, but with PyYAML's
// own implicit types, which are narrower than the `yaml` package's 1.1 schema: y/n are strings,
// 1e3 and 09 are strings, an exponent needs a dot and a sign. Duplicate keys: the last one wins.
import { parse, type ScalarTag } from 'yaml';


function pyyamlTags(tags: unknown[]): unknown[] {
  return (tags as ScalarTag[]).map((t) => {
    if (!t || typeof t !== 'object' || !('test' in t) || !t.test) return t;
    const src = t.test.source;
    let test: RegExp | undefined;
    if (t.tag === 'tag:yaml.org,2002:bool') {
      test = t.test.test('true') ? /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/ : /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
    } else if (t.tag === 'tag:yaml.org,2002:int' && t.format === undefined) {
      test = /^[-+]?(?:0|[1-9][0-9_]*)$/;
    } else if (t.tag === 'tag:yaml.org,2002:int' && t.format === 'TIME') {
      test = /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/;
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.format === 'EXP') {
      test = /^(?!)$/; // PyYAML has no exponent without a fraction
    } else if (t.tag === 'tag:yaml.org,2002:float' && t.format === undefined && !src.includes('inf')) {
      test = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?)$/;
    }
    return test ? { ...t, test } : t;
  });
}

export function loadPyYaml(text: string): unknown {
  return parse(text, {
    version: '1.1',
    customTags: pyyamlTags as never,
    uniqueKeys: false,
    merge: true,
    maxAliasCount: 1000,
    strict: false,
  });
}
