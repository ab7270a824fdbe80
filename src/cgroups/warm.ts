// Starts the kernel's slow path for cgroup migrations early; see warmAttach.
import * as fs from 'fs'
import * as path from 'path'
import { detectLayout, ownCgroups } from './detect'

/**
 * create and run start the kernel's slow first cgroup migration before
 * anything else (see warmAttach); a stray match (an id named "run") only
 * costs a harmless no-op write. Called by both entries (src/cli/boot.ts,
 * src/cli/standalone.ts) before they load the CLI.
 */
export function warmForCommand(argv: string[]): void {
  if (argv.includes('create') || argv.includes('run')) warmAttach()
}

/**
 * Moving a process between cgroups takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, and the first writer after a quiet
 * spell waits a whole RCU grace period (8-15 ms measured here; runc pays it
 * too). Writers that follow within a grace period are fast. So create starts
 * one harmless write early, on the libuv threadpool: tsrun's own pid into its
 * own cgroup, a no-op migration, while the main thread loads the CLI and the
 * create code and reads the bundle; the container's cgroup mkdir and attach
 * then find the fast path. Errors don't matter. Its own small module, loaded
 * before the CLI.
 */
function warmAttach(): void {
  const layout = detectLayout()
  const own = ownCgroups()
  let dir: string | undefined
  if (layout.mode === 'v2') dir = path.join(layout.unified, own.get('') ?? '/')
  else if (layout.unified) dir = path.join(layout.unified.mountpoint, path.relative(layout.unified.root, own.get('') ?? '/'))
  else if (layout.mounts.length > 0) {
    const m = layout.mounts[0]
    dir = path.join(m.mountpoint, path.relative(m.root, own.get(m.controllers[0]) ?? '/'))
  }
  if (dir === undefined) return
  // Opened here, written on the threadpool: fs.writeFile would queue the
  // write only after its open's callback, which the busy main thread runs late.
  let fd: number
  try {
    fd = fs.openSync(path.join(dir, 'cgroup.procs'), 'w')
  } catch {
    return
  }
  fs.write(fd, String(process.pid), () => fs.close(fd, () => {}))
}
