// The V8 code caches the build writes (.ci/codecache.cjs) must be accepted
// by the loader (src/codecache.ts) under the flags dist/tsrun.js sets, and
// dist/tsrun.js must pick the one made for the command: a cache V8 rejects,
// or the wrong one, costs every call its compile again, silently.
import t from 'tap'
import { execFileSync, spawnSync } from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

const dist = path.join(__dirname, '..', '..', '..', 'dist')
const main = path.join(dist, 'tsrun-main.js')
const runCache = path.join(dist, 'tsrun-main.run.jsc')
const caches: Array<[string, string]> = [[main, main + 'c'], [path.join(dist, 'validate.generated.js'), path.join(dist, 'validate.generated.jsc')]]
// The build takes the run cache with a container (.ci/postbuild.mjs): as root, once npm run setup made the rootfs.
const canRun = process.getuid?.() === 0 && fs.existsSync(path.join(__dirname, '..', '..', '..', 'bundles/busybox/rootfs/bin/true'))
if (canRun) caches.push([main, runCache])
// A build without the run cache fails its test below: only a missing dist/ skips.
if (!fs.existsSync(main + 'c')) t.plan(0, 'dist/ not built: run npm run build')

for (const [file, cache] of caches) {
  t.test(path.basename(cache), async (t) => {
    t.ok(fs.existsSync(cache), 'built')
    // A fresh node: the flags must be set before anything is compiled, as boot.ts does.
    const script = `require('v8').setFlagsFromString('--no-opt')
      const { Script } = require('vm'), fs = require('fs'), file = ${JSON.stringify(file)}
      const s = new Script('(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(file, 'utf8') + '\\n})',
        { filename: file, cachedData: fs.readFileSync(${JSON.stringify(cache)}) })
      process.stdout.write(String(s.cachedDataRejected))`
    t.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'false', 'cache accepted')
  })
}

t.test('create, run and exec load the run cache, other commands the lean one', { skip: !canRun && 'no run cache without root and the rootfs' }, async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-cache-pick-'))
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const cachesRead = (args: string[]) => {
    // Each call fails at once (no such bundle or container: exit 1, exec 255 as runc's); the cache is read before any of it runs.
    const r = spawnSync('strace', ['-f', '-e', 'trace=openat', '-o', path.join(tmp, 'trace'), path.join(dist, 'tsrun.js'), '--root', path.join(tmp, 'root'), ...args],
      { encoding: 'utf8' })
    t.equal(r.status, args[0] === 'exec' ? 255 : 1, `${args[0]} fails as expected: ${r.stderr}`)
    return [...fs.readFileSync(path.join(tmp, 'trace'), 'utf8').matchAll(/"[^"]*\/(tsrun-main[^"/]*\.jsc)"/g)].map((m) => m[1])
  }
  for (const args of [['create', '--bundle', tmp, 'x'], ['run', '--bundle', tmp, 'x'], ['exec', 'x', 'true']]) {
    t.same(cachesRead(args), ['tsrun-main.run.jsc'], args[0])
  }
  for (const args of [['state', 'x'], ['kill', 'x'], ['delete', 'x']]) t.same(cachesRead(args), ['tsrun-main.jsc'], args[0])
})
