// Bundles the service's CLI (`kindling`) into one ES module, dist/kindling.mjs, which bin/kindling.js
// runs. Node 20 resolves, reads and compiles an unbundled ES module graph file by file: the build's
// own few hundred modules and Kysely's, pg's, ajv's and yaml's took about 0.16 s of every start
// (`kindling serve --help`: 0.28 s unbundled, 0.12 s bundled, pinned to one CPU), and a replica's
// start-up to its first answer includes it (docs/benchmarks.md).
// The npm packages are bundled too, except the native better-sqlite3 (and pg's optional pg-native),
// which are loaded from node_modules at run time.
import { build } from 'esbuild';
import { renameSync, statSync } from 'node:fs';

const outfile = 'dist/kindling.mjs';
await build({
  entryPoints: ['src/cli/kindling.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: `${outfile}.tmp`,
  external: ['better-sqlite3', 'pg-native'],
  // the bundled CommonJS packages require Node's built-ins (and the externals above)
  banner: { js: "import { createRequire as kindlingCreateRequire } from 'node:module';\nconst require = kindlingCreateRequire(import.meta.url);" },
  // readable names in stack traces; the size hardly matters on a server
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
renameSync(`${outfile}.tmp`, outfile);
console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
