/** The bundle's entry file while it matches the sources, or why it does not. */
export function currentBuild(
  root: string,
): { entry: string; stale?: never } | { stale: string; entry?: never };
