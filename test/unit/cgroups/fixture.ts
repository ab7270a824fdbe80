// Temp-dir cgroup trees for the driver tests (youki's set_fixture idea): the
// knobs exist as files, the driver writes, the test reads them back.
import type { Test } from 'tap'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

/** A temp dir holding `files` (path → content), removed when `t` ends. */
export function fixture(t: Test, files: Record<string, string>): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cg-'))
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }))
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true })
    fs.writeFileSync(path.join(base, rel), content)
  }
  return base
}

export const read = (base: string, rel: string): string => fs.readFileSync(path.join(base, rel), 'utf8')
