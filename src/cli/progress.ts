import { SingleBar } from 'cli-progress';

/**
 * Rows done, their rate and the ETA: a bar on a terminal, a plain line every few seconds otherwise.
 * A `total` of 0 means unknown (an export): rows and rate only.
 */
export interface Progress {
  update(done: number): void;
  stop(done: number): void;
}

export function progress(label: string, total: number, out: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  if (out.isTTY) {
    const bar = new SingleBar({
      format:
        total > 0
          ? `${label} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`
          : `${label} | {value} rows | {rate} rows/s`,
      stream: out,
      etaBuffer: 50,
    });
    bar.start(total, 0, { rate: 0 });
    const rate = (done: number) => Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
    return {
      update: (done) => bar.update(done, { rate: rate(done) }),
      stop: (done) => {
        bar.update(done, { rate: rate(done) });
        bar.stop();
      },
    };
  }
  let lastLine = 0;
  const line = (done: number) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = done / seconds;
    const eta = rate > 0 && total > done ? Math.round((total - done) / rate) : 0;
    out.write(
      total > 0
        ? `${label}: ${done}/${total} rows, ${Math.round(rate)} rows/s, ETA ${eta}s\n`
        : `${label}: ${done} rows, ${Math.round(rate)} rows/s\n`,
    );
  };
  return {
    update: (done) => {
      if (Date.now() - lastLine >= 2000) {
        lastLine = Date.now();
        line(done);
      }
    },
    stop: line,
  };
}
