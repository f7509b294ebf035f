// ssh_authkey_fingerprints: for each configured user with a home, a table of the fingerprints of
// the keys in their authorized_keys, printed to the console (ci-info: lines).
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { extractAuthorizedKeys } from '../accounts/authorized-keys.js';
import { hexFingerprint } from './ssh-fingerprint.js';
import { usersAndDefault } from './default-user.js';
import { simpleTable, center } from './simple-table.js';

export const sshAuthkeyFingerprints: ModuleDef = {
  name: 'ssh_authkey_fingerprints',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const no = ctx.cfg.no_ssh_fingerprints;
    if (no === true || (typeof no === 'string' && ['true', '1', 'on', 'yes'].includes(no.toLowerCase()))) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, logging of SSH fingerprints disabled`);
      return;
    }
    const hash = typeof ctx.cfg.authkey_hash === 'string' ? ctx.cfg.authkey_hash : 'sha256';
    const { users } = usersAndDefault(ctx);
    const prefix = 'ci-info: ';
    for (const [user, c] of Object.entries(users)) {
      if (c.no_create_home || c.system) {
        ctx.log('DEBUG', `Skipping printing of ssh fingerprints for user '${user}' because no home directory is created`);
        continue;
      }
      let r;
      try {
        r = await extractAuthorizedKeys(ctx.host, user);
      } catch (e) {
        ctx.log('DEBUG', (e as Error).message);
        continue;
      }
      if (!r.entries.length) {
        ctx.host.output.console(`${prefix}no authorized SSH keys fingerprints found for user ${user}.\n`);
        continue;
      }
      const rows = r.entries.filter((e) => e.keytype && e.valid()).map((e) => [e.keytype ?? '-', hexFingerprint(e.base64 ?? '', hash) || '-', e.options || '-', e.comment || '-']);
      const tbl = simpleTable(['Keytype', `Fingerprint (${hash})`, 'Options', 'Comment'], rows).split('\n');
      const width = Math.max(...tbl.map((l) => l.length));
      const out = [center(`Authorized keys from ${r.file} for user ${user}`, '+', width), ...tbl];
      ctx.host.output.console(out.map((l) => `${prefix}${l}\n`).join(''));
    }
  },
};
