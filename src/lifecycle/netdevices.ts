// linux.netDevices, done by the parent once the container's network
// namespace exists (the init asks for its createRuntime hooks then) and
// before those hooks run, as runc does: hooks that configure the network
// find the devices in place. There is no undo: a device stays with the
// namespace, and when the namespace dies (a failed create kills it) the
// kernel moves physical devices back to the host and destroys virtual
// ones; config-linux.md forbids moving them out before.
import { addon } from '../addon'
import type { Spec } from '../bundle/spec.generated'
import { TsrunError } from '../errors'

export function moveNetDevices(spec: Spec, pid: number): void {
  for (const [name, dev] of Object.entries(spec.linux?.netDevices ?? {})) {
    try {
      addon.moveNetDevice(name, dev?.name || name, `/proc/${pid}/ns/net`)
    } catch (err) {
      throw new TsrunError('system', `netDevice ${name}`, { cause: err })
    }
  }
}
