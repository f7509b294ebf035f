// The agent's only door to the machine. Every file access, command, HTTP request, clock read and
// log line goes through a Host, so that the same code runs against `/` at boot, a scratch
// directory in unit tests, or the lab's overlay.

/** Guest paths are always absolute and interpreted relative to the host's root. */
export type GuestPath = string;

export interface FileStat {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  mode: number; // permission bits only (e.g. 0o644)
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
}

export interface WriteOptions {
  mode?: number; // default 0o644
  uid?: number;
  gid?: number;
  /** Create missing parent directories (mode 0o755). Default true. */
  mkdirs?: boolean;
}

export interface HostFs {
  /** The root this Host is bound to, as a path on the machine running the agent. */
  readonly root: string;
  readFile(path: GuestPath): Promise<Buffer>;
  readText(path: GuestPath): Promise<string>;
  /** undefined when the file does not exist; other errors are thrown. */
  readTextIfExists(path: GuestPath): Promise<string | undefined>;
  exists(path: GuestPath): Promise<boolean>;
  stat(path: GuestPath): Promise<FileStat | undefined>;
  lstat(path: GuestPath): Promise<FileStat | undefined>;
  readdir(path: GuestPath): Promise<string[]>;
  readlink(path: GuestPath): Promise<string | undefined>;
  /** Atomic: temp file in the same directory, mode and owner set, fsync, rename. */
  writeFile(path: GuestPath, data: string | Uint8Array, opts?: WriteOptions): Promise<void>;
  appendFile(path: GuestPath, data: string | Uint8Array, opts?: WriteOptions): Promise<void>;
  mkdir(path: GuestPath, opts?: { mode?: number; uid?: number; gid?: number }): Promise<void>;
  symlink(target: string, path: GuestPath): Promise<void>;
  chmod(path: GuestPath, mode: number): Promise<void>;
  chown(path: GuestPath, uid: number, gid: number): Promise<void>;
  remove(path: GuestPath, opts?: { recursive?: boolean }): Promise<void>;
  rename(from: GuestPath, to: GuestPath): Promise<void>;
  /** The machine path for a guest path, resolved so that it cannot escape the root. */
  resolve(path: GuestPath): string;
}

export interface RunOptions {
  /** Run inside the root (chroot) unless the tool is given its own root flag. Default true. */
  chroot?: boolean;
  input?: string | Uint8Array;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Output lines go to cloud-init-output.log-style capture instead of being returned. */
  capture?: boolean;
  /** Never echo argv or input into logs (passwords, keys). */
  sensitive?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** argv arrays only: never a shell string built from user data. */
export type Runner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

export interface HttpRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type HttpClient = (req: HttpRequest) => Promise<HttpResponse>;

export interface Clock {
  /** Wall-clock seconds since the epoch (float). */
  now(): number;
  /** Seconds since boot (float), as /proc/uptime gives it. */
  uptime(): Promise<number>;
  sleep(ms: number): Promise<void>;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface Logger {
  log(level: LogLevel, logger: string, message: string): void;
}

export interface Host {
  fs: HostFs;
  run: Runner;
  http: HttpClient;
  clock: Clock;
  log: Logger;
}
