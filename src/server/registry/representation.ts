// How an instance reads in the control API (and therefore in the CLI): the stored record with
// bytes turned into text where they are UTF-8, base64 otherwise.
import type { Instance } from '../../wire/instance.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are valid UTF-8 (and so round-trip exactly), else undefined. */
export function asText(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function toApi(instance: Instance): Record<string, unknown> {
  const { uuid, name, hostname, user_data, files, ...rest } = instance;
  const out: Record<string, unknown> = { uuid, name, hostname, ...rest };
  if (user_data === null) out.user_data = null;
  else {
    const text = asText(user_data);
    if (text !== undefined) out.user_data = text;
    else out.user_data_base64 = Buffer.from(user_data).toString('base64');
  }
  out.files = files.map((f) => {
    const text = asText(f.content);
    return text !== undefined ? { path: f.path, content: text } : { path: f.path, content_base64: Buffer.from(f.content).toString('base64') };
  });
  return out;
}
