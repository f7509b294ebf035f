import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEvents, parseLogLine, parseTimestamp } from './events.js';
import { analyzeBlame, analyzeShow, f085, generateRecords } from './show.js';

// Lines in cloud-init's log format (asctime - file[LEVEL]: message), as both agents write them.
const LOG = [
  "2024-03-05 10:00:00,100 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'init-local' at Tue, 05 Mar 2024 10:00:00 +0000. Up 1.50 seconds.",
  '2024-03-05 10:00:00,200 - handlers.py[DEBUG]: start: init-local/check-cache: attempting to read from cache [check]',
  '2024-03-05 10:00:00,250 - handlers.py[DEBUG]: finish: init-local/check-cache: SUCCESS: no cache found',
  '2024-03-05 10:00:00,300 - handlers.py[DEBUG]: start: init-local/search-NoCloud: searching for local data from DataSourceNoCloud',
  '2024-03-05 10:00:00,900 - handlers.py[DEBUG]: finish: init-local/search-NoCloud: SUCCESS: found local data from DataSourceNoCloud',
  '2024-03-05 10:00:01,000 - handlers.py[DEBUG]: finish: init-local: SUCCESS: searching for local datasources',
  "2024-03-05 10:00:02,000 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'modules:config' at Tue, 05 Mar 2024 10:00:02 +0000. Up 3.50 seconds.",
  '2024-03-05 10:00:02,100 - handlers.py[DEBUG]: start: modules-config/config-locale: running config-locale with frequency once-per-instance',
  '2024-03-05 10:00:03,500 - handlers.py[DEBUG]: finish: modules-config/config-locale: SUCCESS: config-locale ran successfully',
  '2024-03-05 10:00:03,600 - handlers.py[DEBUG]: finish: modules-config: SUCCESS: running modules for config',
  "2024-03-05 10:00:04,000 - util.py[DEBUG]: Cloud-init v. 22.4.2 finished at Tue, 05 Mar 2024 10:00:04 +0000. Datasource DataSourceNoCloud.  Up 5.00 seconds",
  "2024-03-05 11:00:00,000 - util.py[DEBUG]: Cloud-init v. 22.4.2 running 'init-local' at Tue, 05 Mar 2024 11:00:00 +0000. Up 1.00 seconds.",
  '2024-03-05 11:00:00,010 - handlers.py[DEBUG]: start: init-local/check-cache: attempting to read from cache [check]',
  '2024-03-05 11:00:00,020 - handlers.py[DEBUG]: finish: init-local/check-cache: SUCCESS: restored from cache',
  '2024-03-05 11:00:00,500 - handlers.py[DEBUG]: finish: init-local: SUCCESS: searching for local datasources',
].join('\n');

test('log lines become events as cloud-init reads them (stage banners, start/finish, result split off)', () => {
  const evs = loadEvents(LOG);
  assert.equal(evs.length, 14, 'the "finished at" banner is no event');
  assert.deepEqual({ ...evs[0], timestamp: 0 }, { name: 'init-local', description: 'starting search for local datasources', timestamp: 0, origin: 'cloudinit', event_type: 'start' });
  assert.deepEqual({ ...evs[2], timestamp: 0 }, { name: 'init-local/check-cache', description: 'no cache found', timestamp: 0, origin: 'cloudinit', event_type: 'finish', result: 'SUCCESS' });
  assert.equal(evs[6]?.name, 'modules-config');
  assert.equal(evs[6]?.description, 'running config modules');
  assert.equal(parseTimestamp('2024-03-05 10:00:00,839'), new Date(2024, 2, 5, 10, 0, 0).getTime() / 1000 + 0.839);
  const j = parseLogLine('Nov 03 06:51:06.074410 x2 cloud-init[106]: [CLOUDINIT] util.py[DEBUG]: start: init-local/check-cache: attempting', new Date(2016, 0, 1));
  assert.equal(j?.name, 'init-local/check-cache');
  assert.equal(j?.timestamp, new Date(2016, 10, 3, 6, 51, 6).getTime() / 1000 + 0.07441);
});

test('a line that fails to parse repeats the previous event, as cloud-init does', () => {
  let skipped = 0;
  const evs = loadEvents(`${LOG.split('\n')[1]}\nbroken - start: a - b - c\n`, () => skipped++);
  assert.equal(skipped, 1);
  assert.equal(evs.length, 2);
  assert.deepEqual(evs[0], evs[1]);
});

// expected outputs: what cloud-init 22.4.2's own analyze prints for LOG (run once in the lab image)
test('show: boot records split at init-local, stages as parents, +duration and @elapsed as %08.5f', () => {
  assert.equal(analyzeShow(loadEvents(LOG)), "-- Boot Record 01 --\nThe total time elapsed since completing an event is printed after the \"@\" character.\nThe time the event takes is printed after the \"+\" character.\n\nStarting stage: init-local\n|`->no cache found @00.10000s +00.05000s\n|`->found local data from DataSourceNoCloud @00.20000s +00.60000s\nFinished stage: (init-local) 00.90000 seconds\n\nStarting stage: modules-config\n|`->config-locale ran successfully @02.00000s +01.40000s\nFinished stage: (modules-config) 01.60000 seconds\n\nTotal Time: 2.50000 seconds\n\n-- Boot Record 02 --\nThe total time elapsed since completing an event is printed after the \"@\" character.\nThe time the event takes is printed after the \"+\" character.\n\nStarting stage: init-local\n|`->restored from cache @00.01000s +00.01000s\nFinished stage: (init-local) 00.50000 seconds\n\nTotal Time: 0.50000 seconds\n\n2 boot records analyzed\n");
});

test('blame: per boot, the records sorted by duration, largest first', () => {
  assert.equal(analyzeBlame(loadEvents(LOG)), "-- Boot Record 01 --\n     01.40000s (modules-config/config-locale)\n     00.60000s (init-local/search-NoCloud)\n     00.05000s (init-local/check-cache)\n\n-- Boot Record 02 --\n     00.01000s (init-local/check-cache)\n\n2 boot records analyzed\n");
  assert.equal(f085(123.4), '123.40000');
  assert.equal(f085(-0.5), '-0.50000');
  assert.deepEqual(generateRecords([], '%n'), [['Total Time: 0.00000 seconds\n']]);
});
