#!/usr/bin/env node
// `npx kindling <verb>`: the service-side CLI, bundled by `npm run build` (scripts/build-service.mjs).
import('../dist/kindling.mjs').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => { console.error(`kindling: ${err?.message ?? err}`); process.exitCode = 1; },
);
