// Node built-in modules loaded on first use instead of at start-up. Debian's nodejs compiles each
// built-in's JavaScript when it is first required (no embedded code cache), so a boot stage that
// never makes an HTTP request or inflates gzip should not pay for loading http or zlib. The bundle
// has no dynamic import() (its loader compiles it with vm.Script, which has none): load built-ins
// lazily through these.
import { createRequire } from 'node:module';

const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);

let zlibMod: typeof import('node:zlib') | undefined;
let cryptoMod: typeof import('node:crypto') | undefined;
let httpMod: typeof import('node:http') | undefined;
let childMod: typeof import('node:child_process') | undefined;
let httpsMod: typeof import('node:https') | undefined;
let osMod: typeof import('node:os') | undefined;
let netMod: typeof import('node:net') | undefined;

export const zlib = (): typeof import('node:zlib') => (zlibMod ??= req('node:zlib') as typeof import('node:zlib'));
export const crypto = (): typeof import('node:crypto') => (cryptoMod ??= req('node:crypto') as typeof import('node:crypto'));
export const http = (): typeof import('node:http') => (httpMod ??= req('node:http') as typeof import('node:http'));
export const childProcess = (): typeof import('node:child_process') => (childMod ??= req('node:child_process') as typeof import('node:child_process'));
export const https = (): typeof import('node:https') => (httpsMod ??= req('node:https') as typeof import('node:https'));
export const os = (): typeof import('node:os') => (osMod ??= req('node:os') as typeof import('node:os'));
export const net = (): typeof import('node:net') => (netMod ??= req('node:net') as typeof import('node:net'));
