// Whether Chromium's sandbox can start on this Linux machine, and what to tell the developer when not.
// Chromium needs either unprivileged user namespaces or a setuid-root chrome-sandbox helper; Ubuntu 23.10+
// blocks the first through AppArmor, and npm never installs the helper setuid.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function readNumber(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** What the machine says; read once by `npm start`. */
export function probeLinuxSandbox(electronBinaryPath) {
  const helper = path.join(path.dirname(electronBinaryPath), 'chrome-sandbox');
  let helperSetuidRoot = false;
  try {
    const info = statSync(helper);
    helperSetuidRoot = info.uid === 0 && (info.mode & 0o4000) !== 0;
  } catch {
    helperSetuidRoot = false;
  }
  return {
    helper,
    helperSetuidRoot,
    // 1 on Ubuntu 23.10+: AppArmor denies unprivileged user namespaces to unconfined programs.
    apparmorRestrictsUserns: readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === 1,
    // 0 on Debian kernels that turned them off.
    usernsCloneDisabled: readNumber('/proc/sys/kernel/unprivileged_userns_clone') === 0,
  };
}

/**
 * Null when the sandbox can start; otherwise the message and the extra arguments for a development run
 * (`--no-sandbox`, printed so nobody mistakes it for the packaged app's behaviour).
 */
export function sandboxAdvice(probe) {
  if (probe.helperSetuidRoot) return null;
  if (!probe.apparmorRestrictsUserns && !probe.usernsCloneDisabled) return null;
  return {
    args: ['--no-sandbox'],
    message:
      "This system blocks unprivileged user namespaces and Electron's chrome-sandbox is not setuid root, so " +
      'the sandbox cannot start. Started with --no-sandbox for this development run only. To run sandboxed: ' +
      `sudo chown root:root ${probe.helper} && sudo chmod 4755 ${probe.helper}`,
  };
}
