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
  /** Inode and change time: with size and mtime, what cache validation keys on. */
  ino: number;
  ctimeMs: number;
}

export interface WriteOptions {
  /** Permission bits. Default: the existing file's mode, else 0o644. Never subject to umask. */
  mode?: number;
  /** Owner. Default: the existing file's owner, else the agent's (root at boot). */
  uid?: number;
  gid?: number;
  /** Create missing parent directories (mode 0o755). Default true. */
  mkdirs?: boolean;
}

/** A file opened read-only: read(offset, length) gives at most length bytes (fewer at the end). */
export interface RandomReader {
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface HostFs {
  /** The root this Host is bound to, as a path on the machine running the agent. */
  readonly root: string;
  readFile(path: GuestPath): Promise<Buffer>;
  readText(path: GuestPath): Promise<string>;
  /** undefined when the file does not exist; other errors are thrown. */
  readTextIfExists(path: GuestPath): Promise<string | undefined>;
  exists(path: GuestPath): Promise<boolean>;
  /** Follows symlinks (inside the root). undefined when missing. */
  stat(path: GuestPath): Promise<FileStat | undefined>;
  /** Does not follow a final symlink. undefined when missing. */
  lstat(path: GuestPath): Promise<FileStat | undefined>;
  /** Names in a directory, sorted; [] when the directory does not exist. */
  readdir(path: GuestPath): Promise<string[]>;
  readlink(path: GuestPath): Promise<string | undefined>;
  /** Atomic: temp file in the same directory, mode and owner set, then rename. */
  writeFile(path: GuestPath, data: string | Uint8Array, opts?: WriteOptions): Promise<void>;
  /** Appends (creating with opts.mode when missing). Not atomic, by nature. */
  appendFile(path: GuestPath, data: string | Uint8Array, opts?: WriteOptions): Promise<void>;
  /** mkdir -p; mode and owner apply to the directories it creates. */
  mkdir(path: GuestPath, opts?: { mode?: number; uid?: number; gid?: number }): Promise<void>;
  /** Creates or atomically replaces a symlink; the target is stored verbatim. */
  symlink(target: string, path: GuestPath): Promise<void>;
  chmod(path: GuestPath, mode: number): Promise<void>;
  chown(path: GuestPath, uid: number, gid: number): Promise<void>;
  /** Missing paths are not an error. A final symlink is removed, not followed. */
  remove(path: GuestPath, opts?: { recursive?: boolean }): Promise<void>;
  rename(from: GuestPath, to: GuestPath): Promise<void>;
  /**
   * Opens a file or block device read-only for reads at offsets (a short read at the end), e.g. to
   * parse a filesystem image in user space. close() must be called.
   */
  openRead(path: GuestPath): Promise<RandomReader>;
  /** statvfs of the filesystem holding path: fragment size and free fragments (as root sees them). */
  statfs?(path: GuestPath): Promise<{ frsize: number; bfree: number; blocks: number }>;
  /** The machine path for a guest path, resolved so that it cannot escape the root. */
  resolve(path: GuestPath, opts?: { followLast?: boolean }): string;
  /** The guest path with every symlink followed, as os.path.realpath (missing components kept). */
  realpath(path: GuestPath): GuestPath;
}

export interface RunOptions {
  /** Run inside the root (chroot) unless the tool is given its own root flag. Default true. */
  chroot?: boolean;
  input?: string | Uint8Array;
  /** Added to the agent's environment. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /**
   * false: the command's stdout/stderr go to the stage's output (console and
   * cloud-init-output.log), as cloud-init's subp(capture=False) does. Default true: returned.
   */
  capture?: boolean;
  /** Never echo argv or input into logs (passwords, keys). */
  sensitive?: boolean;
  /** Guest working directory. */
  cwd?: GuestPath;
  /** Also return stdout as bytes (RunResult.stdoutBytes), for binary output such as gpg --dearmor. */
  binary?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (e.g. ENOENT for a missing tool). */
  error?: string;
  /** stdout undecoded, when RunOptions.binary asked for it. */
  stdoutBytes?: Buffer;
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

/** Rejects on transport errors (connection refused, timeout); any HTTP status resolves. */
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

/** Where a stage's own output goes: cloud-init's redirected stdout/stderr and /dev/console. */
export interface Output {
  /** Stage stdout (the console and cloud-init-output.log when `output:` says so). */
  out(text: string): void;
  /** Stage stderr (same sinks as cloud-init's redirected stderr). */
  err(text: string): void;
  /** The system console only, never a log file: for random passwords (CVE-2021-3429). */
  console(text: string): void;
}

/**
 * Starts a command that outlives the stage (detached, its own session), with stdout and stderr
 * to a guest file. Used to start slow, independent work early (host key generation) that a later
 * stage collects through files. argv only, inside the root like `run`.
 */
export type BackgroundRunner = (argv: string[], opts: { output: GuestPath; env?: Record<string, string> }) => Promise<void>;

export interface Host {
  fs: HostFs;
  run: Runner;
  background?: BackgroundRunner;
  http: HttpClient;
  clock: Clock;
  log: Logger;
  output: Output;
}
