// `npm start`: fetch the Electron binary (and keytar's prebuilt binary) on first use, build, then launch.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import {
  downloadElectron,
  downloadKeytar,
  electronBinary,
  keytarBinary,
  MISSING_ELECTRON,
} from './electron-binary.mjs';
import { probeLinuxSandbox, sandboxAdvice } from './linux-sandbox.mjs';

let binary = electronBinary();
if (!binary) {
  console.log('Downloading Electron (first start)…');
  binary = downloadElectron() ? electronBinary() : null;
}
if (!binary) {
  console.error(MISSING_ELECTRON);
  process.exit(1);
}
if (!keytarBinary()) {
  console.log('Fetching the keychain module (keytar, first start)…');
  if (!downloadKeytar()) {
    console.log(
      'keytar is not available: a saved token is kept with Electron safeStorage in the app folder instead.',
    );
  }
}
await import('./build.mjs');

const args = ['.'];
if (process.platform === 'linux') {
  const advice = sandboxAdvice(probeLinuxSandbox(binary));
  if (advice) {
    console.warn(advice.message);
    args.push(...advice.args);
  }
}
const child = spawn(binary, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (signal) {
    // Killed (a crash, the OOM killer, Ctrl-C): say so and fail the way a shell would.
    console.error(`Electron was ended by ${signal}.`);
    process.exit(128 + (constants.signals[signal] ?? 1));
  }
  process.exit(code ?? 1);
});
