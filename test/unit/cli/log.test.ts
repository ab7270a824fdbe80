import t from 'tap'
import { readFileSync } from 'fs'
import { join } from 'path'
import { configure, debug, fail, formatLine, io } from '../../../src/log'
import { TsrunError } from '../../../src/errors'
import { UsageError } from '../../../src/cli/parse'

t.test('log lines in logrus text and JSON formats', async (t) => {
  const time = '2026-11-30T14:48:36Z'
  configure({ logFormat: 'text', debug: false })
  // Captured from runc 1.1.5 --log FILE.
  t.equal(formatLine('error', 'container does not exist', time), 'time="2026-11-30T14:48:36Z" level=error msg="container does not exist"\n')
  t.equal(formatLine('error', 'runc: "state" requires exactly 1 argument(s)', time),
    'time="2026-11-30T14:48:36Z" level=error msg="runc: \\"state\\" requires exactly 1 argument(s)"\n')
  t.equal(formatLine('debug', 'plain-word_1.2/x@y^z+', time), 'time="2026-11-30T14:48:36Z" level=debug msg=plain-word_1.2/x@y^z+\n')
  configure({ logFormat: 'json', debug: false })
  t.equal(formatLine('error', 'container does not exist', time),
    '{"level":"error","msg":"container does not exist","time":"2026-11-30T14:48:36Z"}\n')
  t.equal(formatLine('error', 'a <b>', time), '{"level":"error","msg":"a \\u003cb\\u003e","time":"2026-11-30T14:48:36Z"}\n')
})

t.test('fail: one stderr line, one log line, exit code', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'log.json')
  const stdio: string[] = []
  const write = io.write
  t.capture(io, 'write', (fd: number, text: string) => (fd <= 2 ? void stdio.push(`${fd}:${text}`) : write(fd, text)))
  configure({ log: file, logFormat: 'json', debug: true })
  debug('hello')
  const err = new TsrunError('init', 'create c1', { cause: new Error('mount /proc: Operation not permitted') })
  t.equal(fail(err), 1)
  t.equal(fail(new UsageError("No help topic for 'x'", 3)), 3)
  t.equal(fail('plain string'), 1)
  t.same(stdio, ['2:tsrun: create c1: mount /proc: Operation not permitted\n', "2:tsrun: No help topic for 'x'\n", '2:tsrun: plain string\n'])
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  t.match(lines, [
    { level: 'debug', msg: 'hello' },
    { level: 'error', msg: 'create c1: mount /proc: Operation not permitted' },
    { level: 'error', msg: "No help topic for 'x'" },
    { level: 'error', msg: 'plain string' },
  ])
  configure({ logFormat: 'text', debug: false })
})

t.test('without --log: debug lines go to stderr in text format, errors only as tsrun: ...', async (t) => {
  const stdio: string[] = []
  t.capture(io, 'write', (fd: number, text: string) => void stdio.push(`${fd}:${text}`))
  configure({ logFormat: 'text', debug: false })
  debug('not shown')
  configure({ logFormat: 'text', debug: true })
  debug('shown')
  t.equal(fail(new Error('boom')), 1)
  t.equal(stdio.length, 2)
  t.match(stdio[0], /^2:time="[^"]+" level=debug msg=shown\n$/)
  t.equal(stdio[1], '2:tsrun: boom\n')
  configure({ logFormat: 'text', debug: false })
})

t.test('an unwritable log file is reported, the error still reaches stderr', async (t) => {
  const stdio: string[] = []
  t.capture(io, 'write', (fd: number, text: string) => void stdio.push(`${fd}:${text}`))
  configure({ log: '/nonexistent-dir/log.json', logFormat: 'json', debug: false })
  t.equal(fail(new Error('boom')), 1)
  t.equal(stdio[0], '2:tsrun: boom\n')
  t.match(stdio[1], /^2:tsrun: log \/nonexistent-dir\/log.json: ENOENT/)
  configure({ logFormat: 'text', debug: false })
})
