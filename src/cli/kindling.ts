// `kindling`: the service-side command line. Verbs are dispatched to their own files.
// Each verb's modules load only when that verb runs: the service's store, schemas and network
// code cost a CLI call that only talks to the control API about 200 ms of start-up otherwise.
import { CliError } from './control-client.js';

const USAGE = `Usage: kindling <command> [...]

Commands:
  serve        run the metadata service (kindling serve --help)
  instance     manage the instance registry (kindling instance --help)
  config-drive build an instance's config drive or NoCloud seed image (kindling config-drive --help)
  db           migrate, inspect or copy the store (kindling db --help)
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
      case 'serve': {
        const [{ serve }, { nocloudNetworkConfig }] = await Promise.all([import('../server/main.js'), import('./nocloud-network.js')]);
        return await serve(rest, { nocloudNetworkConfig });
      }
      case 'instance':
      case 'instances':
        return await (await import('./instance.js')).instanceCommand(rest);
      case 'config-drive':
        return await (await import('./config-drive.js')).configDriveCommand(rest);
      case 'db':
        return await (await import('./db.js')).dbCommand(rest);
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
