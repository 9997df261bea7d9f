/**
 * `promise`, or a rejection with `message` once `ms` have passed, whichever comes first. The work itself
 * is not cancelled: the caller bounds it on its own side too (a query timeout) and ignores a late failure.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
