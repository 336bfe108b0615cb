import type { TimeseriesRow } from '../metrics/summary-types.js';

/** One live line on stderr (TTY only): elapsed, open connections, messages/s, p99, errors, last event. */
export class ProgressLine {
  private lastEvent = '';
  private errors = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly durationS: number,
  ) {}

  event(text: string): void {
    this.lastEvent = text;
    this.stream.write(`\r\x1b[K  event: ${text}\n`);
  }

  row(row: TimeseriesRow): void {
    this.errors += row.errors;
    const p99 = row.p99 === null ? '-' : `${row.p99.toFixed(1)}ms`;
    this.stream.write(
      `\r\x1b[K  ${row.t}/${this.durationS}s  open ${row.open}  msg/s ${row.received}  p99 ` +
        `${p99}  errors ${this.errors}  violations ${row.violations}` +
        `${this.lastEvent ? `  last event: ${this.lastEvent}` : ''}`,
    );
  }

  done(): void {
    this.stream.write('\r\x1b[K');
  }
}
