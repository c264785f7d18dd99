export function buildCli(): Promise<void>;
export const setup: typeof buildCli;
