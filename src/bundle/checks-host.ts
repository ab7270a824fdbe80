// Rules about what this host offers: config fields that need a kernel
// facility (an LSM, resctrl) are refused before any side effect when it is
// missing, with runc's words where runc has them.
import { existsSync, readFileSync } from '../fsys'
import { checkIntelRdt } from '../resctrl/group'
import { resctrlRoot } from '../resctrl/mount'
import { type Check, configError } from './check'
import type { Spec } from './spec.generated'

/** AppArmor is loaded and on (runc's apparmor.IsEnabled). */
export function apparmorEnabled(): boolean {
  try {
    return existsSync('/sys/kernel/security/apparmor') &&
      readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y')
  } catch {
    return false
  }
}

/** SELinux is on: selinuxfs is mounted where go-selinux looks for it first. */
export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce')
}

// runc fails inside its init ("unable to apply apparmor profile: ... write
// /proc/self/attr/exec: invalid argument"); the same refusal, said up front.
export const apparmor: Check = (spec) => {
  const profile = spec.process?.apparmorProfile
  if (profile && !apparmorEnabled()) {
    throw configError('/process/apparmorProfile', `apparmor profile "${profile}" is specified in config, but apparmor is not enabled on this host`)
  }
}

// runc's validator.go `security`. mountLabel is not refused: like runc 1.2+
// and crun, it only adds context= to mounts when SELinux is on (src/plan).
export const selinux: Check = (spec) => {
  if (spec.process?.selinuxLabel && !selinuxEnabled()) {
    throw configError('/process/selinuxLabel', 'selinux label is specified in config, but selinux is disabled or not supported')
  }
}

// config-linux.md: without a mounted resctrl the runtime MUST generate an
// error. Where it is mounted, runc's checks of what this resctrl offers.
export const intelRdt: Check = (spec) => {
  const rdt = spec.linux?.intelRdt
  if (!rdt) return
  const root = resctrlRoot()
  if (root === null) throw configError('/linux/intelRdt', 'intelRdt is specified in config, but Intel RDT is not enabled (no resctrl filesystem is mounted)')
  const bad = checkIntelRdt(root, rdt)
  if (bad) throw configError(`/linux/intelRdt/${bad.field}`, bad.message)
}

/**
 * The host rules, run by create only: a config stays valid on its own (the
 * unit tests, `state` and `delete` read it on any host); it is this host
 * that cannot run it.
 */
export function checkHost(spec: Spec): void {
  for (const check of [apparmor, selinux, intelRdt]) check(spec, HOST_CTX)
}

const HOST_CTX = { rootfs: '', requireProcess: true, noPivot: false, rootless: false }
