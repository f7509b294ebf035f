// Texts that many rendered views share, kept once. A fleet's meta_data.json documents differ in a
// few members (uuid, names) and repeat the rest: the same public keys in most of a project, the
// same zone, devices and metadata, the same HTTP head for the same length. A view keeps its own
// text only for short runs; a long piece is looked up here and the view holds the one copy.
//
// The table holds its pieces weakly: a piece lives as long as some view holds it, and its entry
// goes when the garbage collector has taken it, so the table never outgrows the views.

/** A piece of text held once for every view that has it. */
export class SharedText {
  constructor(readonly text: string) {}
}

const table = new Map<string, WeakRef<SharedText>>();
const cleanup = new FinalizationRegistry<string>((text) => {
  if (table.get(text)?.deref() === undefined) table.delete(text);
});

/** The one SharedText holding `text`. */
export function share(text: string): SharedText {
  const known = table.get(text)?.deref();
  if (known !== undefined) return known;
  const piece = new SharedText(text);
  table.set(piece.text, new WeakRef(piece));
  cleanup.register(piece, piece.text);
  return piece;
}

/** How many distinct pieces are held (for tests and /healthz-style figures). */
export function sharedCount(): number {
  return table.size;
}
