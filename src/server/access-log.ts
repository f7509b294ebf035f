// The access log: who asked for what, one line per request. Never user data, passwords, tokens or
// signatures: only the method, the path (query string dropped, control characters escaped), the
// peer, the instance it was identified as, the status and the size. Lines are batched per tick so
// that logging does not cost a write per request.
import type { Writable } from 'node:stream';

export interface AccessLog {
  readonly enabled: boolean;
  guest(listener: string, peer: string, method: string, target: string, instance: string | undefined, status: number, bytes: number): void;
  control(peer: string, method: string, target: string, status: number, ms: number): void;
  flush(): void;
}

export function safePath(target: string): string {
  const q = target.indexOf('?');
  let p = q >= 0 ? target.slice(0, q) : target;
  if (p.length > 256) p = `${p.slice(0, 256)}...`;
  // JSON string escaping keeps a hostile path on one line and unambiguous.
  return /[\s"\\\u0000-\u001f\u007f-\uffff]/.test(p) ? JSON.stringify(p) : p;
}

function safeToken(s: string): string {
  return /^[\w.:%-]{1,64}$/.test(s) ? s : JSON.stringify(s.slice(0, 64));
}

export class StreamAccessLog implements AccessLog {
  readonly enabled = true;
  private pending: string[] = [];
  private scheduled = false;
  private stampMs = 0;
  private stampText = '';

  /** The ISO time, formatted once per millisecond (many requests share one under load). */
  private now(): string {
    const ms = Date.now();
    if (ms !== this.stampMs) {
      this.stampMs = ms;
      this.stampText = new Date(ms).toISOString();
    }
    return this.stampText;
  }

  constructor(private readonly out: Writable) {}

  private push(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= 512) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  guest(listener: string, peer: string, method: string, target: string, instance: string | undefined, status: number, bytes: number): void {
    this.push(`${this.now()} guest listener=${listener} peer=${safeToken(peer)} instance=${instance ?? '-'} ${safeToken(method)} ${safePath(target)} ${status} ${bytes}\n`);
  }

  control(peer: string, method: string, target: string, status: number, ms: number): void {
    this.push(`${this.now()} control peer=${safeToken(peer)} ${safeToken(method)} ${safePath(target)} ${status} ${ms.toFixed(1)}ms\n`);
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.out.write(text);
  }
}

export const NO_ACCESS_LOG: AccessLog = {
  enabled: false,
  guest() {},
  control() {},
  flush() {},
};
