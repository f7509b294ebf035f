// How many instances' rendered views a process keeps by default (--view-cache; see
// instance-index.ts). Measured at 100,000 instances asked for at random (docs/benchmarks.md): a
// view was then about 2.4 KB of heap (0.5 KB since its shared parts are kept once), and one
// rendered again costs about 20 µs of CPU (parse, render, and the garbage both leave), against
// about 5 µs for a cached answer; with 20,000 views the
// replica spent 36-38 µs of CPU per request against 22-24 µs with every view kept, for no lower
// RSS (the garbage of re-rendering grows the heap as much as the views do). So by default a
// fleet of 100,000 keeps every view; larger fleets keep the 100,000 most recently asked for.
export const DEFAULT_VIEW_CACHE = 100_000;
