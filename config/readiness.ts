/** Readiness probes shared by the gateway and the resolver: each check must settle within the timeout. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

export async function runChecks(checks: ReadinessChecks, timeoutMs = 3_000): Promise<Record<string, string>> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error('timed out')), timeoutMs); });
    try {
      await Promise.race([check(), timeout]);
      return [name, 'ok'] as const;
    } catch (error) {
      return [name, (error as Error).message || 'failed'] as const;
    } finally {
      clearTimeout(timer);
    }
  }));
  return Object.fromEntries(entries);
}
