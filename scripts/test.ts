// Test runner wrapper: typecheck, then every test file through tap 21, then a
// one-line summary "N passed, N failed, N skipped" as the very last line.
//
// Usage: node scripts/test.ts [test files, directories or globs] [--tap-option=value ...]
// Positional arguments replace the default file list; arguments starting with
// "-" are passed to tap unchanged (use the --opt=value form, e.g. --grep=name).
import { spawn } from 'node:child_process'
import { existsSync, globSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'node_modules', '.bin')
// node_modules/.bin first so tap (a `#!/usr/bin/env node` script) and the test
// processes it spawns run on the project's Node 24, not the system node.
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` }

const DEFAULT_PATTERNS: string[] = [
  'core/test/**/*.test.ts',
  'packages/*/test/**/*.test.ts',
  'plugins/*/test/**/*.test.ts',
  'test/**/*.test.ts',
]

type Counts = { passed: number; failed: number; skipped: number }

function say(message: string): void {
  console.log(`[openline] ${message}`)
}

// Runs a command with inherited stdio, except that stdout is also captured
// when `capture` is set (it is still echoed live).
function run(command: string, args: string[], capture = false): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const child = spawn(command, args, { cwd: root, env, stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'] })
    child.stdout?.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      chunks.push(chunk)
    })
    child.on('error', (err) => {
      console.error(`[openline] cannot run ${command}: ${err.message}`)
      resolve({ code: 127, stdout: '' })
    })
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 1 : 0), stdout: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

// Expands patterns to a sorted, de-duplicated list of files relative to root.
// A directory means every *.test.ts below it; a plain path is kept even if it
// does not exist (main() reports it as a failure).
function listTestFiles(patterns: string[]): string[] {
  const files = new Set<string>()
  for (const pattern of patterns) {
    const isDir = existsSync(path.resolve(root, pattern)) && statSync(path.resolve(root, pattern)).isDirectory()
    const found = isDir
      ? globSync(path.join(pattern, '**/*.test.ts'), { cwd: root })
      : /[*?[{]/.test(pattern)
        ? globSync(pattern, { cwd: root })
        : [pattern]
    for (const file of found) {
      if (!file.split(path.sep).includes('node_modules')) files.add(file)
    }
  }
  return [...files].sort()
}

// Counts test points in tap's raw TAP 14 output, (nearly) the same
// way tap's own "Asserts" summary does:
// - every leaf test point (an assertion, or a subtest with no test points of
//   its own, e.g. a skipped subtest or a test file with no tests) counts once:
//   passed, failed, or skipped (# SKIP and # TODO both count as skipped);
// - a failing subtest whose children all passed (crash, timeout, bad plan,
//   non-zero exit of a test file) counts as one failure of its own, so a
//   broken file can never hide behind its passing assertions.
// Subtests with children add nothing themselves: their children are counted.
function countTestPoints(tap: string): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  // seen[d] / fails[d]: test points and failures counted at depth d since the
  // last test point at depth d - 1 (i.e. inside the subtest now open at d).
  const seen: number[] = []
  const fails: number[] = []
  const buffered: Array<{ depth: number; ok: boolean; directive: boolean }> = []
  let yamlStart = ''
  let yamlEnd = ''

  const record = (depth: number, ok: boolean, directive: boolean): void => {
    const childPoints = seen[depth + 1] ?? 0
    const childFails = fails[depth + 1] ?? 0
    seen.length = depth + 1
    fails.length = depth + 1
    let own = 0
    if (childPoints === 0) {
      if (directive) counts.skipped++
      else if (ok) counts.passed++
      else own = 1
    } else if (!ok && !directive && childFails === 0) {
      own = 1
    }
    counts.failed += own
    seen[depth] = (seen[depth] ?? 0) + 1
    fails[depth] = (fails[depth] ?? 0) + childFails + own
  }

  for (const line of tap.split(/\r?\n/)) {
    if (yamlEnd) {
      // Skip YAML diagnostics: they may contain anything, even "ok" lines.
      if (line.trimEnd() === yamlEnd) yamlEnd = ''
      continue
    }
    if (yamlStart && line.trimEnd() === yamlStart) {
      yamlEnd = yamlStart.replace('---', '...')
      yamlStart = ''
      continue
    }
    yamlStart = ''
    const point = /^( *)(not ok|ok)\b(.*)$/.exec(line)
    if (point) {
      const indent = point[1].length
      const depth = Math.floor(indent / 4)
      const ok = point[2] === 'ok'
      const directive = /(?<!\\)#\s*(skip|todo)\b/i.test(point[3])
      yamlStart = `${' '.repeat(indent + 2)}---`
      // Buffered subtest "ok 1 - name {": its children follow, closed by "}".
      if (/\{\s*$/.test(point[3])) buffered.push({ depth, ok, directive })
      else record(depth, ok, directive)
      continue
    }
    const open = buffered.at(-1)
    if (open && line.trimEnd() === `${' '.repeat(open.depth * 4)}}`) {
      buffered.pop()
      record(open.depth, open.ok, open.directive)
    }
  }
  return counts
}

async function typecheck(): Promise<boolean> {
  if (!existsSync(path.join(root, 'tsconfig.json'))) {
    say('typecheck skipped: no tsconfig.json yet')
    return true
  }
  say('typecheck: tsc -p tsconfig.json --noEmit')
  const { code } = await run(path.join(bin, 'tsc'), ['-p', 'tsconfig.json', '--noEmit'])
  if (code !== 0) say(`typecheck failed (tsc exit code ${code})`)
  return code === 0
}

async function main(argv: string[]): Promise<number> {
  const tapOptions = argv.filter((arg) => arg.startsWith('-'))
  const patterns = argv.filter((arg) => !arg.startsWith('-'))
  const typecheckOk = await typecheck()

  const listed = listTestFiles(patterns.length > 0 ? patterns : DEFAULT_PATTERNS)
  // tap 21 silently ignores test files that do not exist: count them here.
  const missing = listed.filter((file) => !existsSync(path.resolve(root, file)))
  for (const file of missing) say(`no such test file: ${file}`)
  const files = listed.filter((file) => !missing.includes(file))
  let counts: Counts = { passed: 0, failed: 0, skipped: 0 }
  let tapCode = 0
  if (files.length === 0) {
    say('no test files found')
  } else {
    say(`running ${files.length} test file(s) with tap`)
    // Raw TAP on stdout, echoed live and parsed afterwards. tap's other
    // reporters redraw the screen (even when not on a terminal), and
    // combining --reporter=tap with --output-file prints every line twice in
    // tap 21. Explicit `run`: a first file named like a subcommand ("list",
    // "report", ...) would otherwise be taken as one. The reporter comes last
    // so a --reporter given on the command line cannot break the count.
    const tap = await run(path.join(bin, 'tap'), ['run', ...tapOptions, '--reporter=tap', '--', ...files], true)
    tapCode = tap.code
    counts = countTestPoints(tap.stdout)
  }
  counts.failed += missing.length

  const total = counts.passed + counts.failed
  let failing = counts.failed > 0 || !typecheckOk
  if (total === 0) {
    say('no tests ran')
    failing = true
  }
  if (tapCode !== 0 && !failing) {
    say(`tap exited with code ${tapCode}`)
    failing = true
  }
  if (!typecheckOk) say('typecheck failed (see tsc output above)')
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''
  console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`)
  return failing ? 1 : 0
}

process.exitCode = await main(process.argv.slice(2))
