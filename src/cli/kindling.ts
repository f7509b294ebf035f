// `kindling`: the service-side command line. Verbs are dispatched to their own files.
export async function main(argv: string[]): Promise<number> {
  const [verb] = argv;
  if (verb === '--version' || verb === 'version') {
    console.log('kindling 0.1.0');
    return 0;
  }
  console.error(`kindling: unknown verb ${verb ?? '(none)'}`);
  return 2;
}
