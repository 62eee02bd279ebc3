/** Rejects with `problem` when `promise` has not settled within `ms`: node-opcua waits for answers that may never come. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, problem: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(problem)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
