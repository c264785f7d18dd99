// Timers exist in every runtime shared/ runs in (Node, Chromium, Electron); declared here because
// shared/ compiles without Node types and without the DOM lib on purpose.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
