// linux.seccomp.listenerPath: the container's notify fd goes to the agent
// listening there, with the containerProcessState config-linux.md describes,
// in one message whose SCM_RIGHTS carry the fd (runc's
// sendContainerProcessState). The agent then answers the container's
// notified syscalls; without it they would wait forever, so a listener that
// can't be reached fails the create.
import * as fs from '../fsys'
import { addon } from '../addon'
import { TsrunError } from '../errors'
import type { LinuxSeccomp } from '../bundle/spec.generated'
import { listenerOf } from '../plan/seccomp'
import { OCI_VERSION } from './oci-state'

/** `state` is the container's state JSON (hookState's) as of now; `pid` the filtered process's. */
export function sendToListener(profile: LinuxSeccomp | undefined, fd: number, pid: number, state: string): void {
  const listener = listenerOf(profile)
  if (!listener) throw new TsrunError('init', 'tsrun-init sent a seccomp fd for a profile without SCMP_ACT_NOTIFY')
  const message = `{"ociVersion":${JSON.stringify(OCI_VERSION)},"fds":["seccompFd"],"pid":${pid},` +
    `"metadata":${JSON.stringify(listener.metadata)},"state":${state}}`
  let sock: number
  try {
    sock = addon.connectUnix(listener.path)
  } catch (err) {
    throw new TsrunError('system', 'seccomp listenerPath', { cause: err })
  }
  try {
    addon.sendFd(sock, fd, message)
  } catch (err) {
    throw new TsrunError('system', `seccomp listenerPath ${listener.path}`, { cause: err })
  } finally {
    fs.closeSync(sock)
  }
}
