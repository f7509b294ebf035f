// Events from a cloud-init log, as `cloud-init analyze dump` reads them: the stage banners
// ("Cloud-init v. X running 'init' at ...") and the reporting lines ("start: NAME: description",
// "finish: NAME: RESULT: description"). Reads cloud-init's own logs and kindling-init's (the same
// format), in the asctime, syslog and journalctl time formats.

export interface AnalyzeEvent {
  name: string;
  description: string;
  timestamp: number;
  origin: 'cloudinit';
  event_type: string;
  result?: string;
}

const STAGE_DESCRIPTIONS: Record<string, string> = {
  finished: 'finished running cloud-init',
  'init-local': 'starting search for local datasources',
  'init-network': 'searching for network datasources',
  init: 'searching for network datasources',
  'modules-config': 'running config modules',
  'modules-final': 'finalizing modules',
  modules: 'running modules for',
  single: 'running single module ',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "%s.%f" of a local time, read back as a float, as cloud-init computes the timestamp. */
function localEpoch(y: number, mo: number, d: number, h: number, mi: number, sec: number, frac: string): number {
  const whole = Math.floor(new Date(y, mo, d, h, mi, sec).getTime() / 1000);
  return Number(`${whole}.${frac.padEnd(6, '0').slice(0, 6)}`);
}

/** parse_timestamp: local time, as Python's strptime + strftime('%s.%f') reads it. */
export function parseTimestamp(s: string, now = new Date()): number {
  const first = s.split(/\s+/)[0] ?? '';
  if (MONTHS.includes(first)) {
    // "Aug 29 22:55:26" (syslog, this year) or "Aug 29 22:55:26.123456" (journalctl -o short-precise)
    const m = /^(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(s.trim());
    if (!m) throw new Error(`time data '${s}' does not match format`);
    return localEpoch(now.getFullYear(), MONTHS.indexOf(m[1] as string), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), m[6] ?? '');
  }
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}),(\d+)$/.exec(s.trim());
  if (m) return localEpoch(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] as string);
  // cloud-init hands anything else to date(1); ISO 8601 is what that meets in practice
  const t = Date.parse(s.trim());
  if (Number.isNaN(t)) throw new Error(`unparseable timestamp '${s}'`);
  return t / 1000;
}

/** parse_ci_logline: one event, or undefined for lines that are not events. */
export function parseLogLine(line: string, now = new Date()): AnalyzeEvent | undefined {
  const seps = [' - ', ' [CLOUDINIT] ', ' cloud-init['];
  const sep = seps.find((s) => line.includes(s));
  if (!sep) return undefined;
  const parts = line.split(sep);
  // cloud-init's split() requires exactly two parts
  if (parts.length !== 2) throw new Error('too many separators');
  let [timehost, eventstr] = parts as [string, string];
  if (timehost.endsWith(':')) timehost = timehost.split(/\s+/).slice(0, -1).join(' ');
  let timestampstr: string;
  if (timehost.includes(',')) {
    const [a, extra = ''] = timehost.split(',');
    timestampstr = `${a},${extra.split(/\s+/)[0]}`;
  } else {
    const toks = timehost.split(/\s+/).filter(Boolean);
    const hostname = toks[toks.length - 1] ?? '';
    if (sep === ' cloud-init[') {
      timestampstr = timehost.trim();
      eventstr = eventstr.trim().split(/\s+(.*)/s)[1] ?? '';
    } else timestampstr = timehost.split(hostname)[0]?.trim() ?? '';
  }
  let eventType: string;
  let eventName: string;
  let description: string;
  if (eventstr.includes('Cloud-init v.')) {
    eventType = 'start';
    if (!eventstr.includes('running')) return undefined;
    const stageAndTs = (eventstr.split('running')[1] ?? '').trimStart();
    eventName = (stageAndTs.split(' at ')[0] ?? '').replace(/'/g, '').replace(/:/g, '-');
    if (eventName === 'init') eventName = 'init-network';
    description = STAGE_DESCRIPTIONS[eventName] ?? '';
  } else {
    const toks = eventstr.trim().split(/\s+/);
    if (toks.length < 3) throw new Error('not enough fields');
    eventType = toks[1] as string;
    eventName = toks[2] as string;
    description = (eventstr.split(eventName)[1] ?? '').trim();
  }
  const ev: AnalyzeEvent = {
    name: eventName.replace(/:+$/, ''),
    description,
    timestamp: parseTimestamp(timestampstr, now),
    origin: 'cloudinit',
    event_type: eventType.replace(/:+$/, ''),
  };
  if (ev.event_type === 'finish') {
    const result = description.split(':')[0] as string;
    ev.result = result;
    ev.description = (description.split(result)[1] ?? '').replace(/^:+/, '').trim();
  }
  return ev;
}

/** dump_events over a whole log (a JSON event list is taken as is, as cloud-init does). */
export function loadEvents(text: string, onSkip: () => void = () => undefined): AnalyzeEvent[] {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) return parsed as AnalyzeEvent[];
  } catch {
    // a log, not JSON
  }
  const events: AnalyzeEvent[] = [];
  let last: AnalyzeEvent | undefined;
  for (const line of text.split(/\r?\n/)) {
    for (const match of ['start:', 'finish:', 'Cloud-init v.']) {
      if (!line.includes(match)) continue;
      // as cloud-init's dump_events: a line that fails to parse leaves the previous event in place
      // (and appends it again), a line that is no event clears it
      try {
        last = parseLogLine(line);
      } catch {
        onSkip();
      }
      if (last) events.push(last);
    }
  }
  return events;
}
