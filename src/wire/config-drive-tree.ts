// Everything a Nova config drive carries, as one list of entries: ec2/<v>/ then openstack/<v>/ and
// openstack/content/. The image writers (ISO9660, vfat) take this list as it is.
import type { Instance } from './instance.js';
import { pythonJson } from './python-json.js';
import { ec2MetaDataForDrive, ec2VersionTree, type Ec2Dir } from './ec2/tree.js';
import { resolveEc2Version } from './ec2/versions.js';
import { APPLICATION_JSON, openstackTree, TEXT_PLAIN, type OpenstackOptions, type WireEntry } from './openstack/tree.js';

export interface ConfigDriveOptions extends OpenstackOptions {
  /**
   * EC2 version directories to write. Nova's default [api] config_drive_skip_versions skips all
   * but 2009-04-04 (and `latest`).
   */
  ec2Versions?: string[];
}

export const DEFAULT_DRIVE_EC2_VERSIONS = ['2009-04-04', 'latest'];

export function ec2DriveEntries(instance: Instance, opts: ConfigDriveOptions): WireEntry[] {
  const out: WireEntry[] = [];
  for (const dir of opts.ec2Versions ?? DEFAULT_DRIVE_EC2_VERSIONS) {
    const version = resolveEc2Version(dir);
    if (!version) throw new Error(`unknown EC2 version ${dir}`);
    const tree = ec2VersionTree(instance, version, opts);
    if (instance.user_data !== null) {
      out.push({ path: `ec2/${dir}/user-data`, body: instance.user_data, contentType: TEXT_PLAIN });
    }
    const md = ec2MetaDataForDrive(tree['meta-data'] as Ec2Dir);
    out.push({ path: `ec2/${dir}/meta-data.json`, body: pythonJson(md), contentType: APPLICATION_JSON });
  }
  return out;
}

/** The whole config drive tree (the `target` option is forced to config-drive). */
export function configDriveTree(instance: Instance, opts: Omit<ConfigDriveOptions, 'target'>): WireEntry[] {
  const o: ConfigDriveOptions = { ...opts, target: 'config-drive' };
  return [...ec2DriveEntries(instance, o), ...openstackTree(instance, o)];
}
