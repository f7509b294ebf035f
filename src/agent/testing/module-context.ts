// A ModuleContext over a scratch Debian (or other) guest, for module unit tests: the config is
// the test's, the datasource optional, the distro from the planted os-release or the given name.
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { StageTestHost } from '../host/test-host.js';
import type { ModuleContext } from '../modules/types.js';
import type { DatasourceData } from '../datasources/types.js';
import { chooseDistro, parseOsRelease } from '../distros/detect.js';
import { Paths } from '../state/paths.js';

export const TEST_IID = 'iid-test-1';

export function moduleContext(h: StageTestHost, name: string, cfg: Record<string, unknown>, o: { distro?: string; ds?: DatasourceData; args?: unknown[]; iid?: string | null } = {}): ModuleContext {
  const osText = fs.existsSync(join(h.rootDir, 'etc/os-release')) ? fs.readFileSync(join(h.rootDir, 'etc/os-release'), 'utf8') : '';
  return {
    host: h,
    name,
    cfg: structuredClone(cfg),
    ds: o.ds,
    distro: chooseDistro(o.distro ?? 'debian', parseOsRelease(osText)),
    paths: new Paths(),
    iid: o.iid === null ? undefined : (o.iid ?? TEST_IID),
    args: o.args ?? [],
    log: (level, message) => h.log.log(level, `cc_${name}`, message),
  };
}

/** A minimal stored datasource of the given kind, for modules that read metadata. */
export function testDatasource(dsname: string, metadata: Record<string, unknown> = {}, crawled: Record<string, unknown> = {}): DatasourceData {
  return {
    dsname,
    className: `DataSource${dsname}`,
    description: `DataSource${dsname}`,
    dsmode: 'net',
    platform: dsname.toLowerCase(),
    subplatform: 'test',
    cloudName: dsname.toLowerCase(),
    metadata: { 'instance-id': TEST_IID, ...metadata },
    publicKeys: [],
    crawled,
  };
}
