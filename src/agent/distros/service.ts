// Service control as cloud-init's distro.manage_service: systemctl when systemd runs the machine
// (/run/systemd/system exists) or the distro's init_cmd says so, else `service NAME ACTION`.
import type { Host, RunResult } from '../host/host.js';
import type { DistroChoice } from './detect.js';

export type ServiceAction = 'stop' | 'start' | 'enable' | 'disable' | 'restart' | 'reload' | 'try-reload' | 'status';

const SYSTEMCTL: Record<ServiceAction, string[]> = {
  stop: ['stop'], start: ['start'], enable: ['enable'], disable: ['disable'], restart: ['restart'],
  reload: ['reload-or-restart'], 'try-reload': ['reload-or-try-restart'], status: ['status'],
};
const SERVICE: Record<ServiceAction, string> = {
  stop: 'stop', start: 'start', enable: 'start', disable: 'stop', restart: 'restart', reload: 'restart', 'try-reload': 'restart', status: 'status',
};

export async function usesSystemd(host: Host): Promise<boolean> {
  return (await host.fs.lstat('/run/systemd/system'))?.kind === 'dir';
}

export async function manageService(host: Host, distro: DistroChoice, action: ServiceAction, service: string): Promise<{ code: number; systemd: boolean; argv: string[]; result: RunResult }> {
  const systemd = await usesSystemd(host);
  const argv = systemd || distro.info.initCmd.includes('systemctl') ? ['systemctl', ...SYSTEMCTL[action], service] : [...distro.info.initCmd, service, SERVICE[action]];
  const r = await host.run(argv);
  return { code: r.code, systemd, argv, result: r };
}
