export interface LinuxSandboxProbe {
  helper: string;
  helperSetuidRoot: boolean;
  apparmorRestrictsUserns: boolean;
  usernsCloneDisabled: boolean;
}
export function probeLinuxSandbox(electronBinaryPath: string): LinuxSandboxProbe;
export function sandboxAdvice(probe: LinuxSandboxProbe): { args: string[]; message: string } | null;
