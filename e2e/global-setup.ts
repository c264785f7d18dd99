/** Builds the renderer and the Electron bundles once, before any spec serves or launches them. */
export default async function globalSetup(): Promise<void> {
  await import('../scripts/build.mjs');
}
