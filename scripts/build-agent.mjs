// Bundles the guest agent into one CommonJS file that runs on Debian bookworm's Node 18 with no node_modules.
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const outfile = 'dist/kindling-init.cjs';
await build({
  entryPoints: ['src/cli/kindling-init.ts'],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  outfile,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  // the lazy built-in loader uses __filename in the bundle and import.meta.url in ESM builds
  define: { 'import.meta.url': 'undefined' },
  logLevel: 'warning',
});
console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
