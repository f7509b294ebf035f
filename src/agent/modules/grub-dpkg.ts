// grub_dpkg: tells debconf which disk grub-pc installs to (grub-pc/install_devices), probing it
// with grub-probe and udevadm where the config does not say; empty when there is no grub.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';

async function fetchIdevs(ctx: ModuleContext): Promise<string> {
  const r = await ctx.host.run(['grub-probe', '-t', 'disk', '/boot']);
  let disk = '';
  if (r.code === 127 || r.error) ctx.log('DEBUG', "'grub-probe' not found in $PATH");
  else if (r.code !== 0 && r.stderr.includes('failed to get canonical path')) ctx.log('DEBUG', "grub-probe 'failed to get canonical path'");
  else if (r.code !== 0) throw new Error(`grub-probe failed (exit ${r.code}): ${r.stderr.trim()}`);
  else disk = r.stdout.trim();
  if (!disk || !(await ctx.host.fs.exists(disk))) return '';
  let devices: string[] = [];
  const u = await ctx.host.run(['udevadm', 'info', '--root', '--query=symlink', disk]);
  if (u.code === 0) devices = u.stdout.trim().split(/\s+/).filter(Boolean);
  else ctx.log('WARNING', `udevadm DEVLINKS symlink query failed for disk='${disk}'`);
  const byId = devices.filter((d) => d.includes('disk/by-id')).sort();
  return byId[0] ?? disk;
}

export const grubDpkg: ModuleDef = {
  name: 'grub_dpkg',
  frequency: PER_INSTANCE,
  distros: ['ubuntu', 'debian'],
  async run(ctx) {
    const my = ((ctx.cfg.grub_dpkg ?? ctx.cfg['grub-dpkg'] ?? {}) || {}) as Record<string, unknown>;
    const enabled = my.enabled ?? true;
    if (enabled === false || (typeof enabled === 'string' && ['false', '0', 'off', 'no'].includes(enabled.toLowerCase()))) {
      ctx.log('DEBUG', `${ctx.name} disabled by config grub_dpkg/enabled=${String(enabled)}`);
      return;
    }
    let idevs = my['grub-pc/install_devices'] === undefined || my['grub-pc/install_devices'] === null ? undefined : String(my['grub-pc/install_devices']);
    if (idevs === undefined) idevs = await fetchIdevs(ctx);
    let empty = my['grub-pc/install_devices_empty'];
    if (empty === undefined || empty === null) empty = !idevs;
    else if (typeof empty !== 'boolean') empty = ['true', '1', 'on', 'yes'].includes(String(empty).toLowerCase());
    const sel = `grub-pc grub-pc/install_devices string ${idevs}\ngrub-pc grub-pc/install_devices_empty boolean ${String(empty).toLowerCase()}\n`;
    ctx.log('DEBUG', `Setting grub debconf-set-selections with '${idevs}','${String(empty).toLowerCase()}'`);
    const r = await ctx.host.run(['debconf-set-selections'], { input: sel });
    if (r.code !== 0) ctx.log('WARNING', `Failed to run debconf-set-selections for grub-dpkg (exit ${r.code})`);
  },
};
