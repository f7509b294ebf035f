#!/usr/bin/env node
// `npx kindling <verb>`: the service-side CLI, compiled by `npm run build`.
import('../build/src/cli/kindling.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => { console.error(`kindling: ${err?.message ?? err}`); process.exitCode = 1; },
);
