/**
 * The `lwtwin` command line. Every command has `--help`, accepts `--json`, and on error prints one clear line and
 * exits non-zero.
 */
import { Command, Option } from 'commander';
import { registerBootstrapCommands } from './cli/bootstrap-commands.ts';
import { registerClientCommands, type GlobalOptions } from './cli/client-commands.ts';
import { registerJobCommands } from './cli/job-commands.ts';
import { registerRunCommands } from './cli/run-commands.ts';
import { registerSecurityCommands } from './cli/security-commands.ts';
import { runDemo } from './cli/demo.ts';
import { apiClient } from './cli/client-commands.ts';

const program = new Command();
program
  .name('lwtwin')
  .description('LwM2M device management with Redis-backed device twins')
  .option('--url <url>', 'API URL (env LWTWIN_API_URL, default http://127.0.0.1:8080)')
  .option('--token <token>', 'API bearer token (env LWTWIN_TOKEN, default .lwtwin/admin-token)')
  .option('--json', 'machine-readable JSON output')
  .showHelpAfterError();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

registerRunCommands(program, globals);
registerClientCommands(program, globals);
registerJobCommands(program, globals);
registerSecurityCommands(program, globals);
registerBootstrapCommands(program, globals);

program
  .command('demo')
  .description('walk through tags, queries, shallow reads, deep reads and a deep write against a running server')
  .option('--device <endpoint>', 'device to use (default: the first online device)')
  .addOption(new Option('--notify-wait-sec <n>', 'how long to wait for the notification after the deep write').default('30'))
  .action(async (o) => {
    const ok = await runDemo(apiClient(globals()), { device: o.device, notifyWaitSec: Number(o.notifyWaitSec), json: globals().json === true });
    if (!ok) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as Error;
  process.stderr.write(`lwtwin: ${e?.message ?? String(err)}\n`);
  process.exit(1);
});
