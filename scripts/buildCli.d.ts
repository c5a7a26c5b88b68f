export const ROOT: string;
export const OUT_DIR: string;
export const MANIFEST: string;

/** What dist/cli/manifest.json holds. */
export interface CliManifest {
  /** The entry file, relative to dist/cli. */
  entry: string;
  builtAt: string;
  /** Each project file in the bundle: [mtimeMs, size] when esbuild read it. */
  inputs: Record<string, [number, number]>;
}

/** Builds and publishes the CLI bundle; undefined when esbuild is not installed. */
export function buildCli(): Promise<CliManifest | undefined>;
