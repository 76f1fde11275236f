/** A whole number above zero from the environment, or undefined when the variable is unset or anything else. */
export function positiveIntegerEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
