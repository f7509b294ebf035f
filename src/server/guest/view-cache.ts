// How many instances' rendered views a process keeps by default (--view-cache): the views of every
// guest booting at once in a large cell, at a few KB each (see instance-index.ts).
export const DEFAULT_VIEW_CACHE = 20_000;
