import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory of processes, read from Linux's /proc: the bench measures what each part of the system costs
 * per message, not only how fast the whole goes.
 */

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on.

/** CPU time (user + system) a process has used so far, in microseconds; 0 once it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A process and every process below it (a gateway's cluster workers). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const pid of allPids()) {
    const parent = parentOf(pid);
    if (parent !== undefined) parents.set(parent, [...(parents.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of parents.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** Every process whose command line contains `text` (PostgreSQL's `postgres`, Kafka's `kafka.Kafka`). */
export function processesMatching(test: (comm: string, cmdline: string) => boolean): number[] {
  return allPids().filter((pid) => {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return test(comm, cmdline);
    } catch {
      return false;
    }
  });
}

/** CPU time the whole machine spent busy (everything but idle and I/O wait), in microseconds, all cores. */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = line as [number, number, number, number, number, number, number, number];
  return ((user + nice + system + irq + softirq + steal) * 1_000_000) / TICKS_PER_SECOND;
}

/** Peak resident set size of a process (the kernel's high-water mark), in MB; of a tree, the largest. */
export function peakRssMb(pids: number[]): number {
  return Math.round(Math.max(0, ...pids.map((pid) => statusKb(pid, 'VmHWM'))) / 1024);
}

/** The resident memory of `pids` together now, in MB (the peak of each is `peakRssMb`'s). */
export function totalRssMb(pids: number[]): number {
  return Math.round(pids.reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0) / 1024);
}

/** A field of /proc/<pid>/status in kB; 0 for a process that is gone. */
function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  } catch {
    return 0;
  }
}

/** CPU used by named groups of processes between `start()` and `stop()`, in microseconds per group. */
export function cpuMeter(groups: Record<string, () => number[]>) {
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuMicros(pid), 0);
  let before: Record<string, number> = {};
  let machineBefore = 0;
  return {
    start() {
      before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids())]));
      machineBefore = machineBusyMicros();
    },
    /** Microseconds per group (and `machine`) since `start`. Processes that ended meanwhile are not counted. */
    stop(): Record<string, number> {
      const after = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids()) - (before[name] ?? 0)]));
      return { ...after, machine: machineBusyMicros() - machineBefore };
    },
  };
}

function allPids(): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
