/**
 * CPU accounting for the benchmark's per-token budget: user + system time of whole processes, read from
 * /proc (Linux), so the work a token causes in Redis, Postgres and the load generator is counted beside
 * the server's own.
 */
import { readFileSync } from 'node:fs';

const TICK_US = 1_000_000 / 100;

/** CPU time of a process so far in µs, or 0 once it is gone (or off Linux). */
function processCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** The direct children of a process (cluster workers), from /proc. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Named groups of processes, each asked for its pids at every reading (pools and workers come and go). */
export type ProcessGroups = Record<string, () => Promise<number[]> | number[]>;

export type CpuReading = Record<string, Map<number, number>>;

export async function readCpu(groups: ProcessGroups): Promise<CpuReading> {
  const reading: CpuReading = {};
  for (const [name, pids] of Object.entries(groups))
    reading[name] = new Map((await pids()).map((pid) => [pid, processCpuUs(pid)]));
  return reading;
}

/** µs of CPU each group spent between two readings; a process that appeared meanwhile counts from 0. */
export function cpuSpent(before: CpuReading, after: CpuReading): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    let total = 0;
    for (const [pid, us] of pids) total += Math.max(0, us - (before[name]?.get(pid) ?? 0));
    spent[name] = total;
  }
  return spent;
}
