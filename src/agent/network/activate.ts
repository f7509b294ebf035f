// Bringing the rendered config up in the network stage, with the tool that owns it: ifup per
// device (ifupdown), `netplan apply`, nmcli per profile, or restarting systemd-networkd. A device
// that fails to come up is logged and the others still get their turn.
import type { Host } from '../host/host.js';
import type { NetworkState } from './model.js';
import type { RendererName } from './renderer.js';

export interface ActivationResult {
  ok: boolean;
  commands: string[][];
}

export async function bringUp(host: Host, activator: RendererName, ns: NetworkState, log: (level: 'DEBUG' | 'WARNING', m: string) => void): Promise<ActivationResult> {
  const commands: string[][] = [];
  const attempt = async (argv: string[], device: string): Promise<boolean> => {
    commands.push(argv);
    log('DEBUG', `Attempting command ${JSON.stringify(argv)} for device ${device}`);
    const r = await host.run(argv, { timeoutMs: 300_000 }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
    if (r.code !== 0) {
      log('WARNING', `Running interface command ${JSON.stringify(argv)} failed (exit ${r.code}): ${r.stderr.trim()}`);
      return false;
    }
    if (r.stderr.trim()) log('WARNING', `Running ${JSON.stringify(argv)} resulted in stderr output: ${r.stderr.trim()}`);
    return true;
  };
  const names = [...ns.interfaces.keys()];
  let ok = true;
  switch (activator) {
    case 'eni':
      for (const n of names) ok = (await attempt(['ifup', n], n)) && ok;
      break;
    case 'netplan':
      ok = await attempt(['netplan', 'apply'], 'all');
      break;
    case 'network-manager':
      for (const n of names) {
        const file = `/etc/NetworkManager/system-connections/cloud-init-${n}.nmconnection`;
        let up: string[];
        if (await attempt(['nmcli', 'connection', 'load', file], n)) up = ['nmcli', 'connection', 'up', 'filename', file];
        else {
          await attempt(['nmcli', 'connection', 'reload'], n);
          up = ['nmcli', 'connection', 'up', 'ifname', n];
        }
        ok = (await attempt(up, n)) && ok;
      }
      break;
    case 'networkd':
      // networkd creates bonds and VLANs from the .netdev files on (re)start
      ok = await attempt(['systemctl', 'restart', 'systemd-networkd', 'systemd-resolved'], 'all');
      break;
    default:
      ok = false;
  }
  return { ok, commands };
}
