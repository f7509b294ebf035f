// A stage's stdout/stderr, redirected as cloud-init's `output:` setting says (by default
// `| tee -a /var/log/cloud-init-output.log`), written by the agent itself instead of a tee process.
// Text for /dev/console (random passwords) never reaches a file.
import * as fs from 'node:fs';
import type { Output } from './host.js';

/** Where a stage's stdout and stderr go: the process's own fds 1 and 2 unless a resident agent runs the stage for a client. */
export interface StageIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface OutputTargets {
  /** Also write to the process's own stdout/stderr (the console, under systemd). */
  echo: boolean;
  /** Append to this sink (the output log), if any. */
  append?: (text: string) => void | Promise<void>;
}

export class StageOutput implements Output {
  private targets: OutputTargets = { echo: true };
  private pending: string[] = [];

  constructor(
    private readonly writers: {
      stdout: (t: string) => void;
      stderr: (t: string) => void;
      console: (t: string) => void;
    } = {
      stdout: (t) => fs.writeSync(1, t),
      stderr: (t) => fs.writeSync(2, t),
      console: () => {},
    },
  ) {}

  /** Applies the `output:` redirection. Earlier text is kept and goes to the new sink too. */
  redirect(targets: OutputTargets): void {
    this.targets = targets;
  }

  out(text: string): void {
    if (this.targets.echo) this.writers.stdout(text);
    if (this.targets.append) this.pending.push(text);
  }

  err(text: string): void {
    if (this.targets.echo) this.writers.stderr(text);
    if (this.targets.append) this.pending.push(text);
  }

  console(text: string): void {
    this.writers.console(text);
  }

  async flush(): Promise<void> {
    if (!this.targets.append || this.pending.length === 0) return;
    const t = this.pending.join('');
    this.pending = [];
    await this.targets.append(t);
  }
}

/** A capturing Output for unit tests. */
export class MemoryOutput implements Output {
  stdout = '';
  stderr = '';
  consoleText = '';
  out(t: string): void {
    this.stdout += t;
  }
  err(t: string): void {
    this.stderr += t;
  }
  console(t: string): void {
    this.consoleText += t;
  }
}
