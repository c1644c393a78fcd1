/**
 * How busy the machine is, in percent of all cores, from the kernel's per-core time counters
 * (os.cpus(): works on macOS, Windows and Linux, unlike load averages). The status bar shows it
 * so a producer sees an overloaded machine before frames go late.
 */
import { cpus } from 'node:os';

function totals(): { busy: number; all: number } {
  let busy = 0;
  let all = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    const sum = t.user + t.nice + t.sys + t.idle + t.irq;
    all += sum;
    busy += sum - t.idle;
  }
  return { busy, all };
}

export class CpuMeter {
  private last = totals();
  private value = 0;

  /** Percent busy since the previous call (call about once a second). */
  sample(): number {
    const now = totals();
    const all = now.all - this.last.all;
    if (all > 0) this.value = Math.round(((now.busy - this.last.busy) / all) * 1000) / 10;
    this.last = now;
    return this.value;
  }
}
