// Small SVG charts for the statistics page. Plain SVG drawn by Preact: geometry goes in
// attributes (never style), colours in console.css (.series-N), so the strict CSP holds, and the
// numbers stay in the DOM (a <title> per point or bar) for tooltips, screen readers and tests.
export interface Series {
  key: string
  label: string
  values: (number | null)[]
}

export interface ChartProps {
  name: string
  title: string
  labels: string[]
  series: Series[]
  kind: 'line' | 'bar'
  format: (value: number) => string
  /** A fixed top of the scale (1 for shares); otherwise a round number above the largest value. */
  max?: number
  /** Counts: the scale's ticks fall on whole numbers. */
  whole?: boolean
}

const width = 640
const height = 220
const pad = { left: 64, right: 12, top: 12, bottom: 36 }
const plotW = width - pad.left - pad.right
const plotH = height - pad.top - pad.bottom

/** 1, 2 or 5 times a power of ten, at least `value`: a scale top with round ticks. */
export function niceMax (value: number): number {
  if (!(value > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

export function Chart (props: ChartProps) {
  const values = props.series.flatMap(s => s.values.filter((v): v is number => v !== null))
  const nice = niceMax(Math.max(0, ...values))
  // Five ticks at quarters: a scale of counts needs a top divisible by four.
  const top = props.max ?? (props.whole === true ? Math.ceil(nice / 4) * 4 : nice)
  const n = props.labels.length
  const y = (v: number): number => pad.top + plotH - (v / top) * plotH
  const slot = n === 0 ? plotW : plotW / n
  const xCenter = (i: number): number => pad.left + slot * (i + 0.5)
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => f * top)
  // At most about twelve x labels, evenly spread.
  const labelEvery = Math.max(1, Math.ceil(n / 12))
  return (
    <figure class={`chart chart-${props.name}`}>
      <figcaption>{props.title}</figcaption>
      {values.length === 0
        ? <p class='muted chart-empty'>No data for this period.</p>
        : (
          <svg viewBox={`0 0 ${width} ${height}`} role='img' aria-label={props.title} class='chart-svg'>
            {ticks.map(t => (
              <g key={t} class='tick'>
                <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} class='grid' />
                <text x={pad.left - 6} y={y(t) + 4} class='axis-label y-label'>{props.format(t)}</text>
              </g>
            ))}
            {props.labels.map((label, i) => i % labelEvery === 0 && (
              <text key={i} x={xCenter(i)} y={height - pad.bottom + 16} class='axis-label x-label'>{label}</text>
            ))}
            {props.kind === 'bar'
              ? props.series.map((s, si) => {
                  const barW = (slot * 0.8) / props.series.length
                  return (
                    <g key={s.key} class={`series series-${si}`} data-series={s.key}>
                      {s.values.map((v, i) => v === null
                        ? null
                        : (
                          <rect key={i} x={pad.left + slot * i + slot * 0.1 + barW * si} y={y(v)} width={Math.max(1, barW - 1)} height={Math.max(0, pad.top + plotH - y(v))} data-value={v}>
                            <title>{`${props.labels[i]} · ${s.label}: ${props.format(v)}`}</title>
                          </rect>
                          ))}
                    </g>
                  )
                })
              : props.series.map((s, si) => (
                <g key={s.key} class={`series series-${si}`} data-series={s.key}>
                  <path d={linePath(s.values, xCenter, y)} class='line' />
                  {s.values.map((v, i) => v === null
                    ? null
                    : (
                      <circle key={i} cx={xCenter(i)} cy={y(v)} r={3} data-value={v}>
                        <title>{`${props.labels[i]} · ${s.label}: ${props.format(v)}`}</title>
                      </circle>
                      ))}
                </g>
              ))}
          </svg>
          )}
      <ul class='legend'>
        {props.series.map((s, si) => <li key={s.key} class={`series-${si}`}><span class='swatch' />{s.label}</li>)}
      </ul>
    </figure>
  )
}

/** A line through the known values; a missing value breaks it. */
export function linePath (values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = ''
  let drawing = false
  values.forEach((v, i) => {
    if (v === null) { drawing = false; return }
    d += `${drawing ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)} `
    drawing = true
  })
  return d.trim()
}
