// `npm start`: build, then launch the app with the Electron binary.
import { spawn } from 'node:child_process';
import { electronBinary, MISSING_ELECTRON } from './electron-binary.mjs';

const binary = electronBinary();
if (!binary) {
  console.error(MISSING_ELECTRON);
  process.exit(1);
}
await import('./build.mjs');
const child = spawn(binary, ['.'], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
