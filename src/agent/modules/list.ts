// Every config module kindling-init knows, in one explicit list (checked for duplicates at
// start-up). Which ones run, in which stage and order, is the config's cloud_*_modules lists.
import type { ModuleDef } from './types.js';
import { migrator } from './migrator.js';
import { seedRandom } from './seed-random.js';
import { bootcmd } from './bootcmd.js';
import { writeFilesModule } from './write-files.js';
import { growpart } from './growpart.js';
import { resizefs } from './resizefs.js';
import { mounts } from './mounts.js';
import { setHostnameModule } from './set-hostname.js';
import { updateHostnameModule } from './update-hostname.js';
import { updateEtcHosts } from './update-etc-hosts.js';
import { usersGroups } from './users-groups.js';
import { ssh } from './ssh.js';
import { sshImportId } from './ssh-import-id.js';
import { localeModule } from './locale.js';
import { setPasswords } from './set-passwords.js';
import { grubDpkg } from './grub-dpkg.js';
import { aptConfigure } from './apt-configure.js';
import { runcmd } from './runcmd.js';
import { writeFilesDeferred } from './write-files-deferred.js';
import { resetRmc, refreshRmcAndInterface, rightscaleUserdata, installHotplug, byobu } from './platform-noops.js';
import { scriptsVendor } from './scripts-vendor.js';
import { scriptsPerOnce } from './scripts-per-once.js';
import { scriptsPerBoot } from './scripts-per-boot.js';
import { scriptsPerInstance } from './scripts-per-instance.js';
import { scriptsUser } from './scripts-user.js';
import { sshAuthkeyFingerprints } from './ssh-authkey-fingerprints.js';
import { keysToConsole } from './keys-to-console.js';
import { finalMessage } from './final-message.js';
import { packageUpdateUpgradeInstall } from './package-update-upgrade-install.js';
import { caCerts } from './ca-certs.js';
import { rsyslog } from './rsyslog.js';
import { ntp } from './ntp.js';
import { timezone } from './timezone.js';
import { disableEc2Metadata } from './disable-ec2-metadata.js';
import { phoneHome } from './phone-home.js';
import { powerStateChange } from './power-state-change.js';
import { UNIMPLEMENTED } from './unimplemented.js';

export const MODULES: readonly ModuleDef[] = [
  migrator, seedRandom, bootcmd, writeFilesModule, growpart, resizefs, mounts, setHostnameModule, updateHostnameModule,
  updateEtcHosts, usersGroups, ssh, sshImportId, localeModule, setPasswords, grubDpkg, aptConfigure, runcmd, byobu,
  writeFilesDeferred, resetRmc, refreshRmcAndInterface, rightscaleUserdata, scriptsVendor, scriptsPerOnce, scriptsPerBoot,
  scriptsPerInstance, scriptsUser, sshAuthkeyFingerprints, keysToConsole, installHotplug, finalMessage, packageUpdateUpgradeInstall,
  caCerts, rsyslog, ntp, timezone, disableEc2Metadata, phoneHome, powerStateChange,
  ...UNIMPLEMENTED,
];

const BY_NAME = new Map<string, ModuleDef>();
for (const m of MODULES) {
  if (BY_NAME.has(m.name)) throw new Error(`duplicate module ${m.name}`);
  BY_NAME.set(m.name, m);
}

export function moduleByName(canon: string): ModuleDef | undefined {
  return BY_NAME.get(canon);
}
