/** An integer command-line flag within bounds, or the fallback when absent; a bad value stops the bench with its name. */
export function intFlag (value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}–${max}`)
  return n
}
