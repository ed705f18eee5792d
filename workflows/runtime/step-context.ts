// Which procedure step is scheduling activities right now, for their history summaries
// (src/domain/activity-summary.ts). Set only while a step's body runs SYNCHRONOUSLY and reset
// before it returns, so no other workflow's code (one V8 context may host several) ever sees it;
// an activity a step schedules after an await is summarized without the step name.
let current: string | undefined;

export function withStep<T>(step: string, fn: () => T): T {
  const previous = current;
  current = step;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export function currentStep(): string | undefined {
  return current;
}
