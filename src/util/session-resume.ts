/**
 * How a client resumes its session on a managed reference backend (target.state): it sends its session
 * value in a request header, and the 101 answers with what the backend's store holds for it.
 */
export type ResumeAnswer = { state: 'resumed'; gen: string; count: number } | { state: 'new'; gen: string };

/** The 101 header that tells the client what its session resumed to (`resumed GEN COUNT` or `new GEN`). */
export const STATE_HEADER = 'x-stickler-state';
/** The request header that carries the client's session value. */
export const SESSION_HEADER = 'x-stickler-session';

export function formatResume(answer: ResumeAnswer): string {
  return answer.state === 'resumed' ? `resumed ${answer.gen} ${answer.count}` : `new ${answer.gen}`;
}

export function parseResume(value: string | undefined): ResumeAnswer | null {
  const [state, gen, count] = (value ?? '').split(' ');
  if (!gen) return null;
  if (state === 'new') return { state, gen };
  if (state === 'resumed' && count !== undefined && Number.isFinite(Number(count)))
    return { state, gen, count: Number(count) };
  return null;
}
