/** Types of spareStacks.js (plain JS: the global set-up and teardown run outside ts-jest). */
export function sparesWanted(): boolean;
export function openSpares(): void;
export function startSpare(env: NodeJS.ProcessEnv, mode: string): void;
export function claimSpare(
  env: NodeJS.ProcessEnv,
  mode: string,
): Promise<{ dir: string; stdout: string } | undefined>;
export function closeSpares(): Promise<void>;
