// Builds the console for the browser with esbuild, once per process: the plugin serves the result
// from memory. No build step before starting the server, no files written.
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export interface ConsoleBundle {
  js: string
  css: string
  /** Content hash of both files: a cache-busting version and an ETag. */
  version: string
}

const entry = fileURLToPath(new URL('./main.tsx', import.meta.url))
const styles = fileURLToPath(new URL('./console.css', import.meta.url))

let pending: Promise<ConsoleBundle> | null = null

async function bundle (): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: { app: entry, styles },
    bundle: true,
    minify: true,
    write: false,
    outdir: 'out',
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' }
  })
  const text = (ext: string): string => {
    const file = result.outputFiles.find(f => f.path.endsWith(ext))
    if (file === undefined) throw new Error(`console bundle: no ${ext} output`)
    return file.text
  }
  const js = text('.js')
  const css = text('.css')
  const version = createHash('sha256').update(js).update(css).digest('hex').slice(0, 16)
  return { js, css, version }
}

/** The minified console bundle; built on the first call, then cached in memory (a failed build is retried). */
export function buildConsole (): Promise<ConsoleBundle> {
  pending ??= bundle().catch((err: unknown) => {
    pending = null
    throw err
  })
  return pending
}
