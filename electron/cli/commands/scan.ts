import type { Command } from 'commander';
import path from 'node:path';
import { scanWorkspace } from '../../services/scan';

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('List the checkpoints in a folder of training output.')
    .argument('<folder>', 'the workspace folder')
    .option('--json', 'print JSON')
    .action(async (folder: string, opts: { json?: boolean }) => {
      const result = await scanWorkspace(path.resolve(folder));
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      for (const c of result.checkpoints) process.stdout.write(`${c.name}\n`);
    });
}
