/**
 * The IAM action catalog archive (see catalogArchive.ts). Empty when run from source; the
 * report bundle's esbuild plugin (`scripts/esbuildPlugins.cjs`) replaces this module with the
 * archive's bytes.
 */
const archive: Uint8Array | undefined = undefined;
export default archive;
