// `kindling config-drive build INSTANCE -o FILE [--format iso|vfat] [--nocloud]`: asks the running
// service for the image (GET /v1/instances/{id}/config-drive), so the drive carries exactly what
// the metadata API serves (same store, dhcp_domain and vendor data), and streams it into FILE.
// The file appears only when complete: bytes go to a temporary file beside it, renamed at the end.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, controlClient, failure, type ControlClient } from './control-client.js';

const USAGE = `Usage:
  kindling config-drive build INSTANCE -o FILE [--format iso|vfat] [--nocloud]

Builds the config drive of INSTANCE (its uuid or its name) into FILE:
  --format iso    ISO 9660 with Rock Ridge and Joliet, labelled config-2 (the default, as Nova)
  --format vfat   Nova's 64 MiB vfat image, labelled config-2
  --nocloud       a NoCloud seed instead (meta-data, user-data, vendor-data, network-config),
                  labelled cidata, as ISO or vfat

FILE is written with mode 0600 (it holds user data and the admin password) and only appears once
complete. The service is found through KINDLING_URL and KINDLING_TOKEN, as for kindling instance.
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface BuildArgs {
  instance: string;
  output: string;
  format: 'iso' | 'vfat';
  nocloud: boolean;
}

function parseBuild(argv: string[]): BuildArgs {
  let output: string | undefined;
  let format: string = 'iso';
  let nocloud = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (name: string) => {
      const eq = a.indexOf('=');
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new CliError(`${name} needs a value\n\n${USAGE}`, 2);
      return v;
    };
    if (a === '-o' || a === '--output' || a.startsWith('--output=')) output = value('--output');
    else if (a === '--format' || a.startsWith('--format=')) format = value('--format');
    else if (a === '--nocloud') nocloud = true;
    else if (a.startsWith('-')) throw new CliError(`unknown option ${a}\n\n${USAGE}`, 2);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new CliError(`expected one INSTANCE (uuid or name)\n\n${USAGE}`, 2);
  if (!output) throw new CliError(`-o FILE is required\n\n${USAGE}`, 2);
  if (format !== 'iso' && format !== 'vfat') throw new CliError(`--format must be iso or vfat, not ${JSON.stringify(format)}`, 2);
  return { instance: positional[0]!, output, format, nocloud };
}

/** The uuid of the instance a user named: a uuid that exists, else the one instance with that name. */
async function resolveInstance(c: ControlClient, ref: string): Promise<string> {
  if (UUID.test(ref)) {
    const res = await c.request('GET', `/v1/instances/${ref.toLowerCase()}`);
    if (res.ok) return ref.toLowerCase();
    if (res.status !== 404) throw await failure(res);
    await res.body?.cancel();
  }
  const matches: string[] = [];
  let marker: string | null = null;
  do {
    const page = new URLSearchParams({ limit: '500', ...(marker ? { marker } : {}) });
    const res = await c.request('GET', `/v1/instances?${page}`);
    if (!res.ok) throw await failure(res);
    const body = (await res.json()) as { instances: Array<{ uuid: string; name: string }>; next_marker: string | null };
    for (const i of body.instances) if (i.name === ref) matches.push(i.uuid);
    marker = body.next_marker;
  } while (marker);
  if (matches.length === 0) throw new CliError(`unknown instance ${JSON.stringify(ref)}: no instance has this uuid or name`);
  if (matches.length > 1) throw new CliError(`instance name ${JSON.stringify(ref)} is ambiguous; use a uuid: ${matches.join(', ')}`);
  return matches[0]!;
}

function describeWriteError(path: string, e: unknown): CliError {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: 'its directory does not exist', EACCES: 'permission denied', EPERM: 'permission denied',
    EISDIR: 'it is a directory', ENOTDIR: 'a parent is not a directory', ENOSPC: 'no space left on the device',
    EROFS: 'read-only file system',
  };
  return new CliError(`cannot write ${path}: ${(code && why[code]) ?? (e as Error).message}`);
}

async function build(c: ControlClient, args: BuildArgs): Promise<void> {
  const dest = args.output;
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // Opening the temporary file first makes an unwritable destination fail before any work.
  let fh;
  try {
    fh = await open(tmp, 'wx', 0o600);
  } catch (e) {
    throw describeWriteError(dest, e);
  }
  let done = false;
  try {
    const uuid = await resolveInstance(c, args.instance);
    const format = args.nocloud ? (args.format === 'vfat' ? 'nocloud-vfat' : 'nocloud') : args.format;
    const res = await c.request('GET', `/v1/instances/${uuid}/config-drive?format=${format}`);
    if (!res.ok || !res.body) throw await failure(res);
    const expected = Number(res.headers.get('content-length'));
    let pos = 0;
    try {
      for await (const chunk of Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)) {
        const b = chunk as Uint8Array;
        let off = 0;
        while (off < b.byteLength) off += (await fh.write(b, off, b.byteLength - off, pos + off)).bytesWritten;
        pos += b.byteLength;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code?.startsWith('E') && (e as NodeJS.ErrnoException).syscall === 'write') throw describeWriteError(dest, e);
      throw new CliError(`the service stopped sending the image after ${pos} of ${expected} bytes: ${(e as Error).message}`);
    }
    if (pos !== expected) throw new CliError(`the service sent ${pos} bytes of the ${expected} it announced; ${dest} was not written`);
    await fh.chmod(0o600);
    await fh.close();
    fh = undefined;
    try {
      await rename(tmp, dest);
    } catch (e) {
      throw describeWriteError(dest, e);
    }
    done = true;
    process.stderr.write(`kindling: wrote ${dest} (${pos} bytes, ${args.nocloud ? 'NoCloud seed' : 'config drive'}, ${args.format}) for instance ${uuid}\n`);
  } finally {
    if (fh) await fh.close().catch(() => undefined);
    if (!done) await unlink(tmp).catch(() => undefined);
  }
}

export async function configDriveCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'build') throw new CliError(`unknown config-drive command ${JSON.stringify(sub)}\n\n${USAGE}`, 2);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  await build(controlClient(), parseBuild(rest));
  return 0;
}
