// `analyze show`, `blame` and `dump` output from events, as cloud-init 22.4's analyze prints them:
// boot records split at each init-local start, stages as parents, each start/finish pair a
// record formatted with %-codes (times as "%08.5f"), and the total time per boot.
import type { AnalyzeEvent } from './events.js';

type Rec = AnalyzeEvent & { delta: number; elapsed: number; indent: string };

const FORMAT_KEYS: [string, string][] = [
  ['%d', 'delta'], ['%D', 'description'], ['%E', 'elapsed'], ['%e', 'event_type'], ['%I', 'indent'], ['%l', 'level'],
  ['%n', 'name'], ['%o', 'origin'], ['%r', 'result'], ['%t', 'timestamp'], ['%T', 'total_time'],
];
const TIME_KEYS = ['delta', 'elapsed', 'timestamp'];

/** Python's "{:08.5f}". */
export function f085(v: number): string {
  const s = Math.abs(v).toFixed(5).padStart(v < 0 ? 7 : 8, '0');
  return v < 0 ? `-${s}` : s;
}

/** Microseconds, as datetime.utcfromtimestamp keeps a timestamp. */
const micros = (t: number) => Math.round(t * 1e6);

export function formatRecord(fmt: string, ev: Record<string, unknown>): string {
  let out = fmt;
  for (const [code, key] of FORMAT_KEYS) {
    if (!out.includes(code)) continue;
    if (!(key in ev)) throw new Error(`'${key}'`);
    const v = ev[key];
    out = out.split(code).join(TIME_KEYS.includes(key) ? f085(Number(v)) : String(v));
  }
  return out;
}

function eventRecord(startTime: number, start: AnalyzeEvent, finish: AnalyzeEvent): Rec {
  const depth = start.name.split('/').length - 2;
  return {
    ...finish,
    delta: (micros(finish.timestamp) - micros(start.timestamp)) / 1e6,
    elapsed: (micros(start.timestamp) - startTime) / 1e6,
    indent: `|${' '.repeat(Math.max(0, depth))}\`->`,
  };
}

const totalTimeRecord = (total: number) => `Total Time: ${total.toFixed(5)} seconds\n`;

/** generate_records: one list of lines per boot. */
export function generateRecords(events: AnalyzeEvent[], fmt: string): string[][] {
  const boots: string[][] = [];
  let records: string[] = [];
  let startTime: number | undefined;
  let total = 0;
  const unprocessed: AnalyzeEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    const ev = events[i] as AnalyzeEvent;
    const next = events[i + 1];
    if (ev.event_type === 'start') {
      if (records.length && ev.name === 'init-local') {
        records.push(totalTimeRecord(total));
        boots.push(records);
        records = [];
        startTime = undefined;
        total = 0;
      }
      startTime ??= micros(ev.timestamp);
      if (next && ev.name === next.name) {
        if (next.event_type === 'finish') records.push(formatRecord(fmt, eventRecord(startTime, ev, next) as unknown as Record<string, unknown>));
      } else {
        records.push(`Starting stage: ${ev.name}`);
        unprocessed.push(ev);
      }
    } else {
      const prev = unprocessed.pop();
      if (!prev) continue;
      if (ev.name === prev.name) {
        const rec = eventRecord(startTime ?? micros(prev.timestamp), prev, ev);
        records.push(`${formatRecord('Finished stage: (%n) %d seconds', rec as unknown as Record<string, unknown>)}\n`);
        total += rec.delta;
      } else unprocessed.push(prev);
    }
  }
  records.push(totalTimeRecord(total));
  boots.push(records);
  return boots;
}

export function analyzeShow(events: AnalyzeEvent[], fmt = '%I%D @%Es +%ds'): string {
  const boots = generateRecords(events, fmt);
  let out = '';
  boots.forEach((rec, i) => {
    out += `-- Boot Record ${String(i + 1).padStart(2, '0')} --\n`;
    out += 'The total time elapsed since completing an event is printed after the "@" character.\n';
    out += 'The time the event takes is printed after the "+" character.\n\n';
    out += `${rec.join('\n')}\n`;
  });
  return `${out}${boots.length} boot records analyzed\n`;
}

export function analyzeBlame(events: AnalyzeEvent[]): string {
  const boots = generateRecords(events, '     %ds (%n)');
  let out = '';
  boots.forEach((rec, i) => {
    // cloud-init sorts the formatted lines as strings, largest first
    const lines = rec.filter((l) => /^\s+\d+\.\d+/.test(l)).sort().reverse();
    out += `-- Boot Record ${String(i + 1).padStart(2, '0')} --\n${lines.join('\n')}\n\n`;
  });
  return `${out}${boots.length} boot records analyzed\n`;
}
