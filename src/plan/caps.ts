// Capability names → the five 64-bit masks tsrun-init applies.
import { TsrunError } from '../errors'
import { capabilityNumber } from '../bundle/names'
import type { PlanCaps } from './types'

interface SpecCaps {
  bounding?: string[]
  effective?: string[]
  permitted?: string[]
  inheritable?: string[]
  ambient?: string[]
}

export function capMask(set: string, names: string[] | undefined): bigint {
  let mask = 0n
  for (const name of names ?? []) {
    const bit = capabilityNumber(name)
    // An unknown name is a config error, not a silently dropped right: a
    // profile that asks for something we can't name is not what the user meant.
    if (bit < 0) throw new TsrunError('config', `process.capabilities.${set}: unknown capability "${name}"`)
    mask |= 1n << BigInt(bit)
  }
  return mask
}

export function compileCaps(caps: SpecCaps | undefined): PlanCaps {
  return {
    bounding: capMask('bounding', caps?.bounding),
    effective: capMask('effective', caps?.effective),
    permitted: capMask('permitted', caps?.permitted),
    inheritable: capMask('inheritable', caps?.inheritable),
    ambient: capMask('ambient', caps?.ambient),
  }
}
