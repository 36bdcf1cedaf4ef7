// Where the CPU went during a phase (Linux /proc): the whole machine, the app's process, the load
// generator, PostgreSQL (all its processes), Redis, and everything else (e.g. other jobs on the
// machine, the kernel's softirq work). Elsewhere these figures are NaN.
import { readFileSync, readdirSync } from 'node:fs'
import { cpus } from 'node:os'

const tick = 100 // USER_HZ: 100 on every Linux we run on

export interface CpuMark {
  at: number
  machineBusy: number
  machineTotal: number
  byPid: Map<number, { comm: string, ticks: number }>
}

/** Busy share of all cores in % (0–100); the rest in % of one core. */
export interface CpuUse {
  cores: number
  wallMs: number
  machinePct: number
  serverPct: number
  loadGeneratorPct: number
  postgresPct: number
  redisPct: number
  otherPct: number
  /** The busiest other processes (command name: % of one core), e.g. other jobs or kernel threads. */
  otherTop: Record<string, number>
}

function machine (): { busy: number, total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
    return { busy: total - f[3] - (f[4] ?? 0), total }
  } catch {
    return { busy: Number.NaN, total: Number.NaN }
  }
}

function processes (): Map<number, { comm: string, ticks: number }> {
  const out = new Map<number, { comm: string, ticks: number }>()
  let pids: string[] = []
  try { pids = readdirSync('/proc').filter(d => /^\d+$/.test(d)) } catch { return out }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(Number(pid), { comm, ticks: Number(f[11]) + Number(f[12]) }) // utime + stime
    } catch {
      // gone meanwhile
    }
  }
  return out
}

export function cpuMark (): CpuMark {
  const m = machine()
  return { at: performance.now(), machineBusy: m.busy, machineTotal: m.total, byPid: processes() }
}

export function cpuSince (start: CpuMark, serverPid: number): CpuUse {
  const end = cpuMark()
  const cores = cpus().length
  const wallMs = end.at - start.at
  const pct = (ticks: number): number => Math.round(100 * ticks * (1000 / tick) / wallMs)
  let server = 0
  let self = 0
  let postgres = 0
  let redis = 0
  const others = new Map<string, number>()
  for (const [pid, p] of end.byPid) {
    const used = p.ticks - (start.byPid.get(pid)?.ticks ?? 0)
    if (pid === serverPid) server += used
    else if (pid === process.pid) self += used
    else if (p.comm.startsWith('postgres') || p.comm.startsWith('postmaster')) postgres += used
    else if (p.comm.startsWith('redis-server')) redis += used
    else if (used > 0) {
      const name = p.comm.replace(/\/\d+.*$/, '') // ksoftirqd/0 and ksoftirqd/1 are one line
      others.set(name, (others.get(name) ?? 0) + used)
    }
  }
  const otherTop = Object.fromEntries([...others].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, used]) => [name, pct(used)]).filter(([, v]) => (v as number) > 0))
  const machinePct = 100 * (end.machineBusy - start.machineBusy) / (end.machineTotal - start.machineTotal)
  const serverPct = pct(server)
  const loadGeneratorPct = pct(self)
  const postgresPct = pct(postgres)
  const redisPct = pct(redis)
  return {
    cores,
    wallMs: Math.round(wallMs),
    machinePct: Math.round(machinePct),
    serverPct,
    loadGeneratorPct,
    postgresPct,
    redisPct,
    otherPct: Math.round(machinePct * cores) - serverPct - loadGeneratorPct - postgresPct - redisPct,
    otherTop
  }
}

/** CPU time per unit of work (µs), from a share of one core over the phase. */
export function perUnitMicros (pct: number, use: CpuUse, units: number): number {
  return Math.round((pct / 100) * use.wallMs * 1000 / units)
}
