// DMI fields from /sys/class/dmi/id through the host's fs, cached for the stage. cloud-init's field
// names (system-product-name, chassis-asset-tag...) map to the sysfs file names.
import type { Host } from '../host/host.js';

const SYSFS: Record<string, string> = {
  'baseboard-asset-tag': 'board_asset_tag',
  'baseboard-manufacturer': 'board_vendor',
  'baseboard-product-name': 'board_name',
  'baseboard-serial-number': 'board_serial',
  'baseboard-version': 'board_version',
  'bios-release-date': 'bios_date',
  'bios-vendor': 'bios_vendor',
  'bios-version': 'bios_version',
  'chassis-asset-tag': 'chassis_asset_tag',
  'chassis-manufacturer': 'chassis_vendor',
  'chassis-serial-number': 'chassis_serial',
  'chassis-version': 'chassis_version',
  'system-manufacturer': 'sys_vendor',
  'system-product-name': 'product_name',
  'system-serial-number': 'product_serial',
  'system-uuid': 'product_uuid',
  'system-version': 'product_version',
};

export class Dmi {
  private readonly cache = new Map<string, string | undefined>();
  constructor(private readonly host: Host) {}

  /** The field's value, trimmed; undefined when absent or empty. */
  async read(field: keyof typeof SYSFS | string): Promise<string | undefined> {
    if (this.cache.has(field)) return this.cache.get(field);
    const file = SYSFS[field] ?? field;
    let v: string | undefined;
    try {
      v = (await this.host.fs.readTextIfExists(`/sys/class/dmi/id/${file}`))?.trim();
    } catch {
      v = undefined; // e.g. permission denied on product_serial for non-root
    }
    if (v === '') v = undefined;
    this.cache.set(field, v);
    return v;
  }
}
