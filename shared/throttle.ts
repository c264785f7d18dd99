/**
 * Keeps at most one call per `intervalMs`, always delivering the latest value: the first call goes out at
 * once, later ones within the window are coalesced into one trailing call. `flush()` sends a pending
 * value now (used before a job's final event so the last progress is never lost).
 */
export function throttleLatest<T>(
  send: (value: T) => void,
  intervalMs: number,
  now: () => number = () => Date.now(),
): { push(value: T): void; flush(): void; cancel(): void } {
  let lastSent = -Infinity;
  let pending: { value: T } | null = null;
  let timer: unknown = null;

  const emit = () => {
    timer = null;
    if (!pending) return;
    const { value } = pending;
    pending = null;
    lastSent = now();
    send(value);
  };

  return {
    push(value) {
      pending = { value };
      const wait = lastSent + intervalMs - now();
      if (wait <= 0) {
        if (timer) clearTimeout(timer);
        emit();
      } else if (!timer) {
        timer = setTimeout(emit, wait);
      }
    },
    flush() {
      if (timer) clearTimeout(timer);
      emit();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
