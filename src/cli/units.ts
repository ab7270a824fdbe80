// docker/go-units RAMInBytes, as runc's update parses --memory and friends:
// a number (fraction allowed), an optional space and a binary unit
// (k, m, g, t, p; "i" and "b" optional, any case).

const MUL: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }

export function ramInBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s)
  if (!m) throw new Error(`invalid size: '${s}'`)
  return Math.trunc(parseFloat(m[1]) * MUL[(m[2] ?? '').toLowerCase()])
}
