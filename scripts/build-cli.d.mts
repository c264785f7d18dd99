import type { BuildOptions } from 'esbuild';

export const cliBuildOptions: BuildOptions;
export function buildCli(): Promise<void>;
export const setup: typeof buildCli;
