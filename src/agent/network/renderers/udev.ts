// udev rules that give each physical NIC of the config its name by MAC (written by the eni and
// sysconfig renderers, so that the names survive a reboot before any agent runs).
import type { NetworkState } from '../model.js';
import { pyStr } from '../pyfmt.js';

export function udevRule(name: string, mac: string, driver?: string): string {
  return `SUBSYSTEM=="net", ACTION=="add", DRIVERS=="${driver || '?*'}", ATTR{address}=="${mac}", NAME="${name}"\n`;
}

export function udevRules(ns: NetworkState): string {
  let out = '';
  for (const iface of ns.interfaces.values()) {
    if (iface.type !== 'physical' || !iface.mac_address) continue;
    out += udevRule(pyStr(iface.name), pyStr(iface.mac_address), iface.driver ? pyStr(iface.driver) : undefined);
  }
  return out;
}
