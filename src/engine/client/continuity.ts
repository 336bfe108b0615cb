import type { WorkerCounters } from '../../metrics/counters.js';
import { bump } from '../../metrics/counters.js';
import type { IncomingHttpHeaders } from 'node:http';
import { parseResume, STATE_HEADER, type ResumeAnswer } from '../../util/session-resume.js';

/**
 * How a reconnect's resume went: the state it left, or why it is not (`unknown`: the backend held none; `stale`:
 * another copy; `behind`: its counter went backwards).
 */
export type ResumeOutcome = 'first' | 'resumed' | 'unknown' | 'stale' | 'behind';

/**
 * One client's session state as the client knows it (target.state): the generation its state began
 * with and how many of its messages were answered since, the least the backend's counter may hold.
 * Every reconnect's 101 says what the backend resumed; anything but the state left is lost state.
 */
export class ClientContinuity {
  private gen: string | null = null;
  private answered = 0;

  /** The recorder, not its counters: they are handed over and replaced at every snapshot. */
  constructor(
    private readonly recorder: { readonly counters: WorkerCounters },
    /**
     * false when an on_open continuity step measures instead (the backend still resumes the session it answers about).
     */
    private readonly counts = true,
  ) {}

  /** A reply came back: the backend stored the message before answering it. */
  replied(): void {
    this.answered += 1;
  }

  /** The 101 of a connection: judged and counted (nothing when the backend said nothing of a session). */
  upgraded(headers: IncomingHttpHeaders): ResumeOutcome | null {
    const header = headers[STATE_HEADER];
    const answer = parseResume(typeof header === 'string' ? header : undefined);
    if (!answer) return null;
    const outcome = this.judge(answer);
    if (outcome === 'first' || !this.counts) return outcome;
    const counters = this.recorder.counters;
    counters.resumes += 1;
    if (outcome === 'resumed') counters.resumed += 1;
    else bump(counters.stateLost, outcome);
    return outcome;
  }

  /** Pure but for adopting what the backend holds now, which the session goes on from. */
  judge(answer: ResumeAnswer): ResumeOutcome {
    const count = answer.state === 'resumed' ? answer.count : 0;
    const first = this.gen === null;
    const outcome: ResumeOutcome = first
      ? 'first'
      : answer.state === 'new'
        ? 'unknown'
        : answer.gen !== this.gen
          ? 'stale'
          : count < this.answered
            ? 'behind'
            : 'resumed';
    this.gen = answer.gen;
    this.answered = count;
    return outcome;
  }
}
