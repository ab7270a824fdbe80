import t from 'tap'
import { execFileSync } from 'child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'
import { main } from '../../../src/cli/index'
import { io } from '../../../src/log'
import { specText } from '../../../src/cli/spec'

const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc'].find((p) => existsSync(p))

function runcSpec(rootless: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsrun-runc-spec-'))
  try {
    execFileSync(runc!, ['spec', ...(rootless ? ['--rootless'] : []), '-b', dir])
    return readFileSync(join(dir, 'config.json'), 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const rootless of [false, true]) {
  t.test(`spec${rootless ? ' --rootless' : ''} is byte-identical to runc's but for ociVersion`, { skip: !runc && 'runc is not installed' }, async (t) => {
    const theirs = runcSpec(rootless).replace(/^\t"ociVersion": "[^"]*"/m, '\t"ociVersion": "1.3.0"')
    t.equal(specText(rootless), theirs)
  })
}

t.test('spec writes config.json and refuses to overwrite it', async (t) => {
  const dir = t.testdir()
  const errs: string[] = []
  t.capture(io, 'write', (fd: number, text: string) => void errs.push(`${fd}:${text}`))
  t.equal(await main(['spec', '-b', dir]), 0)
  const written = readFileSync(join(dir, 'config.json'), 'utf8')
  t.equal(written, specText(false))
  t.equal(statSync(join(dir, 'config.json')).mode & 0o777, 0o666 & ~process.umask())
  writeFileSync(join(dir, 'config.json'), 'mine')
  t.equal(await main(['spec', '--bundle', dir]), 1)
  t.equal(readFileSync(join(dir, 'config.json'), 'utf8'), 'mine')
  t.equal(await main(['spec', '-b', join(dir, 'missing')]), 1)
  t.equal(await main(['spec', '-b', join(dir, 'config.json')]), 1)
  t.same(errs, [
    '2:tsrun: File config.json exists. Remove it first\n',
    `2:tsrun: chdir ${join(dir, 'missing')}: no such file or directory\n`,
    `2:tsrun: chdir ${join(dir, 'config.json')}: not a directory\n`,
  ])
})

t.test('spec --rootless maps the caller and drops the network namespace', async (t) => {
  const spec = JSON.parse(specText(true))
  t.same(spec.linux.uidMappings, [{ containerID: 0, hostID: process.geteuid!(), size: 1 }])
  t.same(spec.linux.namespaces.map((n: { type: string }) => n.type).filter((n: string) => n === 'network'), [])
  t.equal(spec.linux.namespaces.at(-1).type, 'user')
  t.notOk('resources' in spec.linux)
})
