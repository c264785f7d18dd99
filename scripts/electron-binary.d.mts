export function electronBinary(): string | null;
export const MISSING_ELECTRON: string;
