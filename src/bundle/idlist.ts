// The kernel's cpuset list format ("0-3,7"), used by memoryPolicy.nodes and
// execCPUAffinity: one parser, so validation and the plan agree on a list.

/** Highest CPU or node number a list may name (the masks tsrun builds hold 1024 bits). */
export const MAX_ID = 1023

/** The ids of a list such as "0-3,7" in ascending order, or undefined when it is malformed. */
export function parseIdList(list: string): number[] | undefined {
  if (list.trim() === '') return []
  const ids = new Set<number>()
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part)
    if (!m) return undefined
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    if (hi < lo || hi > MAX_ID) return undefined
    for (let i = lo; i <= hi; i++) ids.add(i)
  }
  return [...ids].sort((a, b) => a - b)
}
