// The device rules (devices.ts' folded state) as a cgroup v2 device program,
// the shape of runc's devicefilter: read the access type, major and minor
// from struct bpf_cgroup_dev_ctx, then one block per exception that returns
// its verdict when type, access, major and minor match, then the default.
// Every exception has the opposite verdict of the default, so their order
// does not matter.

import type { DeviceState } from './devices'

// Opcodes (linux/bpf.h, linux/bpf_common.h).
const LDX_MEM_W = 0x61 // dst = *(u32 *)(src + off)
const ALU32_AND_K = 0x54
const ALU32_RSH_K = 0x74
const ALU64_MOV_K = 0xb7
const ALU64_MOV_X = 0xbf
const ALU64_AND_K = 0x57
const JMP_JNE_K = 0x55
const JMP_JNE_X = 0x5d
const JMP_EXIT = 0x95

// bpf_cgroup_dev_ctx.access_type = access << 16 | type.
const DEV_TYPE: Record<'b' | 'c', number> = { b: 1, c: 2 }
const ACC: Record<string, number> = { m: 1, r: 2, w: 4 }

interface Insn { code: number; dst: number; src: number; off: number; imm: number }

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm })

/** struct bpf_insn[] bytes for `state`. */
export function deviceProgram(state: DeviceState): Buffer {
  const prog: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), insn(ALU32_AND_K, 2, 0, 0, 0xffff), // r2 = type
    insn(LDX_MEM_W, 3, 1, 0, 0), insn(ALU32_RSH_K, 3, 0, 0, 16), // r3 = access
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = minor
  ]
  for (const r of state.rules) {
    const block: Insn[] = []
    // Each jump's offset is filled in once the block's length is known: "to the next block".
    const skip = (i: Insn): void => { block.push(i) }
    if (r.type !== 'a') skip(insn(JMP_JNE_K, 2, 0, -1, DEV_TYPE[r.type]))
    const mask = [...r.access].reduce((m, a) => m | ACC[a], 0)
    if (mask !== 7) {
      // Allowed only when every requested access bit is in the rule's mask.
      block.push(insn(ALU64_MOV_X, 1, 3, 0, 0), insn(ALU64_AND_K, 1, 0, 0, mask))
      skip(insn(JMP_JNE_X, 1, 3, -1, 0))
    }
    if (r.major >= 0) skip(insn(JMP_JNE_K, 4, 0, -1, r.major))
    if (r.minor >= 0) skip(insn(JMP_JNE_K, 5, 0, -1, r.minor))
    block.push(insn(ALU64_MOV_K, 0, 0, 0, r.allow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0))
    block.forEach((b, i) => { if (b.off === -1) b.off = block.length - i - 1 })
    prog.push(...block)
  }
  prog.push(insn(ALU64_MOV_K, 0, 0, 0, state.defaultAllow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0))
  const buf = Buffer.alloc(prog.length * 8)
  prog.forEach((p, i) => {
    buf.writeUInt8(p.code, i * 8)
    buf.writeUInt8((p.src << 4) | p.dst, i * 8 + 1)
    buf.writeInt16LE(p.off, i * 8 + 2)
    buf.writeInt32LE(p.imm, i * 8 + 4)
  })
  return buf
}
