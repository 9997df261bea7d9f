import type pg from 'pg';

/**
 * Closes `pool` and waits until each of its connections has closed. `pool.end()` resolves once it has
 * asked them to close, not once they have (pg-pool ends each client without waiting): stopping the
 * embedded server right after would end connections still open, which then report a failure.
 * Call right after creating the pool, before it opens a connection.
 */
export function closeWhenDone(pool: pg.Pool): () => Promise<void> {
  let open = 0;
  let allClosed: (() => void) | undefined;
  pool.on('connect', () => {
    open++;
  });
  pool.on('remove', () => {
    open--;
    if (open === 0) {
      allClosed?.();
    }
  });
  return async () => {
    const closed = open === 0 ? Promise.resolve() : new Promise<void>((resolve) => (allClosed = resolve));
    await pool.end();
    await closed;
  };
}
