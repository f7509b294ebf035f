// The one well-known place per host where `kindling serve` keeps its default database and the
// control token, so that the CLI on the same host finds the token with no set-up:
// $KINDLING_STATE_DIR, else /var/lib/kindling for root, else $XDG_STATE_HOME/kindling
// (~/.local/state/kindling).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KINDLING_STATE_DIR) return env.KINDLING_STATE_DIR;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/kindling';
  const xdg = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(xdg, 'kindling');
}

export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.KINDLING_TOKEN_FILE || join(defaultStateDir(env), 'control-token');
}
