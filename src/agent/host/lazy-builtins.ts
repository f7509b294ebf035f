// Node built-in modules loaded on first use instead of at start-up. Debian's nodejs compiles each
// built-in's JavaScript when it is first required (no embedded code cache), so a boot stage that
// never makes an HTTP request or inflates gzip should not pay for loading http or zlib.
import { createRequire } from 'node:module';

const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

let zlibMod: typeof import('node:zlib') | undefined;
let cryptoMod: typeof import('node:crypto') | undefined;
let httpMod: typeof import('node:http') | undefined;
let childMod: typeof import('node:child_process') | undefined;

export const zlib = (): typeof import('node:zlib') => (zlibMod ??= req('node:zlib') as typeof import('node:zlib'));
export const crypto = (): typeof import('node:crypto') => (cryptoMod ??= req('node:crypto') as typeof import('node:crypto'));
export const http = (): typeof import('node:http') => (httpMod ??= req('node:http') as typeof import('node:http'));
export const childProcess = (): typeof import('node:child_process') => (childMod ??= req('node:child_process') as typeof import('node:child_process'));
