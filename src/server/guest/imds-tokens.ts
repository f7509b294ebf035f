// IMDSv2 session tokens. Stateless: a token carries its expiry and a nonce, sealed with an HMAC
// over them and the instance's uuid, so it is worthless for any other instance and needs no table.
// The key is random per process unless the operator gives one (several replicas must share it).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const MAC_BYTES = 16;
const TOKEN_BYTES = 1 + 4 + 8 + MAC_BYTES;

export class ImdsTokens {
  private readonly key: Buffer;

  constructor(key?: Buffer, private readonly now: () => number = Date.now) {
    this.key = key ?? randomBytes(32);
  }

  private seal(body: Buffer, uuid: string): Buffer {
    return createHmac('sha256', this.key).update(body).update(uuid).digest().subarray(0, MAC_BYTES);
  }

  mint(uuid: string, ttlSeconds: number): string {
    const t = Buffer.alloc(TOKEN_BYTES);
    t[0] = VERSION;
    t.writeUInt32BE(Math.floor(this.now() / 1000) + ttlSeconds, 1);
    randomBytes(8).copy(t, 5);
    this.seal(t.subarray(0, 13), uuid).copy(t, 13);
    return t.toString('base64url');
  }

  /** True when `token` was minted for `uuid` and has not expired. */
  verify(token: string, uuid: string): boolean {
    if (token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) return false;
    const t = Buffer.from(token, 'base64url');
    if (t.length !== TOKEN_BYTES || t[0] !== VERSION) return false;
    if (t.readUInt32BE(1) * 1000 <= this.now()) return false;
    return timingSafeEqual(this.seal(t.subarray(0, 13), uuid), t.subarray(13));
  }
}
