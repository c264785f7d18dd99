// `npm start`: build, then launch the app with the Electron binary (downloaded on first start).
import { spawn } from 'node:child_process';
import { downloadElectron, electronBinary, MISSING_ELECTRON } from './electron-binary.mjs';

let binary = electronBinary();
if (!binary) {
  console.log('Downloading Electron (first start)…');
  binary = downloadElectron() ? electronBinary() : null;
}
if (!binary) {
  console.error(MISSING_ELECTRON);
  process.exit(1);
}
await import('./build.mjs');
const child = spawn(binary, ['.'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
