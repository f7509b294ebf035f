// Wraps a runner so every command leaves one log line, as cloud-init's subp does, except that a
// sensitive command logs only its program name (its argv or input may carry a password or key).
import type { Logger, Runner } from './host.js';

export function loggingRunner(inner: Runner, log: Logger): Runner {
  return async (argv, opts = {}) => {
    if (opts.sensitive) log.log('DEBUG', 'subp', `Running hidden command to protect sensitive input/output: ${JSON.stringify(argv[0])}`);
    else log.log('DEBUG', 'subp', `Running command ${JSON.stringify(argv)} (capture=${opts.capture ?? true})`);
    const r = await inner(argv, opts);
    if (r.error) log.log('DEBUG', 'subp', `Command ${JSON.stringify(argv[0])} could not run: ${r.error}`);
    return r;
  };
}
