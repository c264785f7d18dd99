/**
 * `hub-publisher`: the app's services, headless, for scripts and CI. Each subcommand lives in
 * `commands/` and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
// Compiled into the built CLI, which does not live next to the sources (dist-electron/cli/).
import pkg from '../../package.json' with { type: 'json' };
import { redactSecrets } from '../../shared/redact';
import { UnknownSelectionName } from '../../shared/evaluation';
import { AppError } from '../../shared/result';
import { commands } from './commands';
import { useProxyFromEnvironment } from './proxy';
import { printable } from './terminal';

export function appVersion(): string {
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('hub-publisher')
    .description('Pick the best checkpoint of a training run and publish it to the Hugging Face Hub.')
    .version(appVersion(), '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  await useProxyFromEnvironment();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    // The last exit of every error: token-like strings and the environment's own token are masked, and
    // control characters (a file name with escapes, a token with a line break) are shown, not obeyed.
    const message = redactSecrets(err instanceof Error ? err.message : String(err), [process.env.HF_TOKEN]);
    process.stderr.write(`hub-publisher: ${printable(message)}\n`);
    // Ctrl-C (or SIGTERM) ends the run whatever it had reached: the shell's convention for "interrupted".
    if (err instanceof AppError && err.code === 'CANCELLED') return 130;
    // A metric or benchmark the workspace lacks (--metric, --weight): a usage error, like a bad option.
    if (err instanceof UnknownSelectionName) return 2;
    return 1;
  }
}
