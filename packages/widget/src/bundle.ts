// Builds the embeddable widget (src/main.tsx and what it imports) into one minified script with
// esbuild, once per process: the channel-webchat plugin serves it as `widget.js`.
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

export interface WidgetBundle {
  js: string
  /** Size of `js` gzipped (level 9): the budget is 50 KB. */
  gzipBytes: number
}

const entry = new URL('./main.tsx', import.meta.url).pathname

let cached: Promise<WidgetBundle> | null = null

async function bundle (): Promise<WidgetBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    // Old enough for the browsers sites still see (Safari 13, Chrome 80).
    target: ['es2019'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' }
  })
  const js = result.outputFiles[0].text
  return { js, gzipBytes: gzipSync(js, { level: 9 }).byteLength }
}

/** The bundled widget, built on the first call and kept in memory (a failed build is tried again next time). */
export function buildWidget (): Promise<WidgetBundle> {
  if (cached === null) {
    cached = bundle()
    cached.catch(() => { cached = null })
  }
  return cached
}
