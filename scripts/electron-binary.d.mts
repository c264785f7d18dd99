export function electronBinary(): string | null;
export function downloadElectron(): boolean;
export const MISSING_ELECTRON: string;
export function keytarBinary(): string | null;
export function downloadKeytar(): boolean;
