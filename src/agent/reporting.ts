// cloud-init's reporting events as log lines: "start: init-local/check-cache: <description>" and
// "finish: init-local/check-cache: SUCCESS: <message>". `cloud-init analyze` reads these lines.
import type { Logger } from './host/host.js';

export type EventResult = 'SUCCESS' | 'WARN' | 'FAIL';

export class Reporter {
  constructor(
    private readonly log: Logger,
    readonly path: string,
  ) {}

  child(name: string): Reporter {
    return new Reporter(this.log, `${this.path}/${name}`);
  }

  start(description: string): void {
    this.log.log('DEBUG', 'handlers', `start: ${this.path}: ${description}`);
  }

  finish(result: EventResult, message: string): void {
    this.log.log('DEBUG', 'handlers', `finish: ${this.path}: ${result}: ${message}`);
  }

  /**
   * Runs fn inside a start/finish pair. fn may set the finish message through the handle;
   * an exception finishes the event with FAIL and is rethrown.
   */
  async event<T>(name: string, description: string, fn: (ev: { message: string; result: EventResult }) => Promise<T>): Promise<T> {
    const r = this.child(name);
    r.start(description);
    const ev = { message: description, result: 'SUCCESS' as EventResult };
    try {
      const v = await fn(ev);
      r.finish(ev.result, ev.message);
      return v;
    } catch (e) {
      r.finish('FAIL', ev.message);
      throw e;
    }
  }
}
