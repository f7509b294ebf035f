// `cloud-id [-l|--long] [-j|--json] [-i FILE]`: the canonical cloud id this boot recorded, from
// instance-data.json, with cloud-id's exit codes (0 found, 2 disabled, 3 not run yet).
import { RootedFs } from '../../agent/host/rooted-fs.js';
import { canonicalCloudId } from '../../agent/boot/instance-data.js';

export default async function cloudId(argv: string[]): Promise<number> {
  let long = false;
  let json = false;
  let file = '/run/cloud-init/instance-data.json';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-l' || a === '--long') long = true;
    else if (a === '-j' || a === '--json') json = true;
    else if (a === '-i' || a === '--instance-data') file = argv[++i] ?? file;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: cloud-id [-h] [-j] [-l] [-i INSTANCE_DATA]\n');
      return 0;
    } else {
      process.stderr.write(`usage: cloud-id [-h] [-j] [-l] [-i INSTANCE_DATA]\ncloud-id: error: unrecognized arguments: ${a}\n`);
      return 2;
    }
  }
  const fs = new RootedFs(process.env.KINDLING_INIT_ROOT || '/');
  if (await fs.exists('/run/cloud-init/disabled')) {
    process.stdout.write('disabled\n');
    return 2;
  }
  const text = await fs.readTextIfExists(file).catch(() => undefined);
  if (!text) {
    process.stderr.write(`Error:\nFile not found '${file}'. Provide a path to instance data json file using --instance-data\n`);
    return 3;
  }
  const v1 = ((JSON.parse(text) as { v1?: Record<string, string | null> }).v1 ?? {}) as Record<string, string | null>;
  const id = canonicalCloudId(v1.cloud_name ?? undefined, v1.region ?? undefined, v1.platform ?? 'unknown');
  if (json) {
    process.stdout.write(`${JSON.stringify({ cloud_id: id, ...v1 }, null, 1)}\n`);
  } else if (long) process.stdout.write(`${id}\t${v1.region ?? 'unknown'}\n`);
  else process.stdout.write(`${id}\n`);
  return 0;
}
