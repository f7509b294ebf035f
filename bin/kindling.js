#!/usr/bin/env node
// `npx kindling <verb>`: the service-side CLI, bundled by `npm run build` (scripts/build-service.mjs).
const BUNDLE = '../dist/kindling.mjs';
import(BUNDLE).then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => {
    const missing = err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/kindling.mjs');
    console.error(missing ? 'kindling: dist/kindling.mjs is missing; build it with `npm run build`' : `kindling: ${err?.message ?? err}`);
    process.exitCode = 1;
  },
);
