/**
 * The states a tracked session can be in: what a runtime's screen reader returns and what its hooks report
 * (through record.sh), and what `quartet ps` and the board show. Below both the runtimes and sessions/.
 */
export const SESSION_STATES = ["working", "needs-input", "idle", "exited"] as const;
export type SessionState = (typeof SESSION_STATES)[number];
