import type { Command } from 'commander';
import { registerEvaluate } from './evaluate';
import { registerPublish } from './publish';
import { registerScan } from './scan';

/** Every subcommand; each adds itself to the program. */
export const commands: ((program: Command) => void)[] = [registerScan, registerEvaluate, registerPublish];
