// Where the resctrl filesystem is mounted, if anywhere (runc's
// findIntelRdtMountpointDir): the first mount of fstype resctrl in our
// mount namespace. Everything else in src/resctrl takes the root as an
// argument, so it works on any directory tree that looks like resctrl.
import { readFileSync } from '../fsys'

/** The mount point of the first resctrl mount in a mountinfo text, or null. */
export function resctrlMountPoint(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep < 0 || line.slice(sep + 3).split(' ', 1)[0] !== 'resctrl') continue
    // proc_pid_mountinfo(5): field 5, with space, tab, newline and backslash as octal escapes.
    return line.slice(0, sep).split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  }
  return null
}

/** This process's resctrl root, or null when none is mounted. */
export function resctrlRoot(): string | null {
  try {
    return resctrlMountPoint(readFileSync('/proc/self/mountinfo', 'utf8'))
  } catch {
    return null
  }
}
