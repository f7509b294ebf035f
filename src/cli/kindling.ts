// `kindling`: the service-side command line. Verbs are dispatched to their own files.
import { serve } from '../server/main.js';
import { CliError } from './control-client.js';
import { instanceCommand } from './instance.js';

const USAGE = `Usage: kindling <command> [...]

Commands:
  serve        run the metadata service (kindling serve --help)
  instance     manage the instance registry (kindling instance --help)
  version      print the version
`;

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    switch (verb) {
      case '--version':
      case 'version':
        console.log('kindling 0.1.0');
        return 0;
      case 'serve':
        return await serve(rest);
      case 'instance':
      case 'instances':
        return await instanceCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return verb === undefined ? 2 : 0;
      default:
        process.stderr.write(`kindling: unknown command ${JSON.stringify(verb)}\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`kindling: ${e.message}\n${e.details.map((d) => `${d}\n`).join('')}`);
      return e.exitCode;
    }
    throw e;
  }
}
