// The control API's bearer token: read from the configured file, or generated on first start and
// written atomically with mode 0600 (its directory 0700). Its value is never logged.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './config.js';
import { makeDirs } from './make-dirs.js';

export interface TokenResult {
  token: string;
  generated: boolean;
}

export function ensureControlToken(file: string): TokenResult {
  if (existsSync(file)) {
    const st = statSync(file);
    if (!st.isFile()) throw new ConfigError(`control token file ${file} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new ConfigError(`control token file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16 || /\s/.test(token)) throw new ConfigError(`control token file ${file} must hold one token of at least 16 characters`);
    return { token, generated: false };
  }
  const token = randomBytes(32).toString('base64url');
  try {
    makeDirs(dirname(file), 0o700);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${token}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600); // whatever the umask did
    try {
      // link, not rename: a second service starting at the same moment keeps the first token
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      unlinkSync(tmp);
      return ensureControlToken(file);
    }
    unlinkSync(tmp);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot write the control token file ${file}: ${(e as Error).message}`);
  }
  return { token, generated: true };
}
