// The agent's log in cloud-init's line format ("2024-01-02 03:04:05,678 - name[LEVEL]: message"),
// so that `cloud-init analyze` and people's greps read it. Lines are buffered in memory and
// written in one append when the stage flushes (and at exit), because a boot stage logs hundreds
// of lines and a write per line would cost more than the stage's own work.
import type { LogLevel, Logger } from './host.js';

export interface LogRecord {
  time: number; // epoch ms
  level: LogLevel;
  logger: string;
  message: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** cloud-init's asctime: local time, comma before milliseconds. */
export function formatAsctime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

export function formatRecord(r: LogRecord): string {
  return `${formatAsctime(r.time)} - ${r.logger}[${r.level}]: ${r.message}\n`;
}

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

export class BufferedLogger implements Logger {
  private pending: string[] = [];
  /** WARNING and above, kept for status.json's error reports. */
  readonly problems: LogRecord[] = [];
  private sink: ((text: string) => void | Promise<void>) | undefined;

  constructor(
    private readonly opts: {
      now?: () => number;
      /** Lines at or above this level are also echoed here (cloud-init's console handler: WARNING). */
      echo?: (line: string) => void;
      echoLevel?: LogLevel;
    } = {},
  ) {}

  log(level: LogLevel, logger: string, message: string): void {
    const rec: LogRecord = { time: this.opts.now ? this.opts.now() : Date.now(), level, logger, message };
    const line = formatRecord(rec);
    this.pending.push(line);
    if (RANK[level] >= RANK.WARNING) this.problems.push(rec);
    if (this.opts.echo && RANK[level] >= RANK[this.opts.echoLevel ?? 'WARNING']) this.opts.echo(line);
  }

  /** Where flushed lines go from now on (the log file, once the config names it). */
  setSink(sink: (text: string) => void | Promise<void>): void {
    this.sink = sink;
  }

  /** Writes pending lines to the sink; without a sink they stay pending. */
  async flush(): Promise<void> {
    if (!this.sink || this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    await this.sink(text);
  }

  /** Lines not yet flushed (tests read the log from here). */
  text(): string {
    return this.pending.join('');
  }
}

/** A logger that keeps everything in memory, for unit tests. */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[] = [];
  log(level: LogLevel, logger: string, message: string): void {
    this.records.push({ time: Date.now(), level, logger, message });
  }
  text(): string {
    return this.records.map((r) => `${r.logger}[${r.level}]: ${r.message}`).join('\n');
  }
  has(re: RegExp): boolean {
    return this.records.some((r) => re.test(r.message));
  }
}
