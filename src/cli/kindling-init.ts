// `kindling-init`: the guest agent, a drop-in for cloud-init's command line.
const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === '-v') {
  console.log('kindling-init 0.1.0');
} else {
  console.error(`kindling-init: unknown verb ${argv[0] ?? '(none)'}`);
  process.exitCode = 2;
}
