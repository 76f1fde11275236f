/**
 * For a failure that repeats on every retry (a refresh every few seconds): reports it once per new reason, and
 * again after a success.
 */
export function reportOnce(report: (message: string) => void): { failed(message: string): void; ok(): void } {
  let last = "";
  return {
    failed(message) {
      if (message !== last) report(message);
      last = message;
    },
    ok() {
      last = "";
    },
  };
}
