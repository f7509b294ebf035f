// Bundles the guest agent into one CommonJS file that runs on Debian bookworm's Node 18 with no
// node_modules: esbuild's bundle, wrapped as a CommonJS module body, inside scripts/agent-loader.js,
// which compiles it with a V8 code cache kept across runs (see that file).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

const outfile = 'dist/kindling-init.cjs';
const r = await build({
  entryPoints: ['src/cli/kindling-init.ts'],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  write: false,
  outfile,
  // KINDLING_AGENT_MINIFY=0: readable names, for --cpu-prof of the stages
  minify: process.env.KINDLING_AGENT_MINIFY !== '0',
  sourcemap: false,
  legalComments: 'none',
  // the lazy built-in loader uses __filename in the bundle and import.meta.url in ESM builds
  define: { 'import.meta.url': 'undefined' },
  logLevel: 'warning',
});
const code = r.outputFiles[0].text;
// vm.Script has no dynamic import(): built-ins are loaded through src/agent/host/lazy-builtins.ts
const dyn = /\bimport\s*\(/.exec(code);
if (dyn) throw new Error(`build-agent: the bundle has a dynamic import() (${code.slice(dyn.index, dyn.index + 60)}); use lazy-builtins`);
const body = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
// the loader is part of the build: a startup snapshot holds it too
const buildId = createHash('sha256').update(body).update(readFileSync('scripts/agent-loader.js')).digest('hex').slice(0, 20);
const loader = readFileSync('scripts/agent-loader.js', 'utf8');
if (!loader.includes("'__BUILD_ID__'") || !loader.includes('__SOURCE__;')) throw new Error('build-agent: the loader has no placeholders');
const out = `#!/usr/bin/env node\n${loader.replace("'__BUILD_ID__'", JSON.stringify(buildId)).replace('__SOURCE__;', () => `${JSON.stringify(body)};`)}`;
mkdirSync('dist', { recursive: true });
writeFileSync(`${outfile}.tmp`, out, { mode: 0o644 });
renameSync(`${outfile}.tmp`, outfile);
console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB (build ${buildId})`);
