/**
 * The partition of a region, by the region-name prefixes AWS publishes for each partition
 * (the SDK's partitions table): China, GovCloud, the ISO partitions and the European Sovereign
 * Cloud; every other region is in `aws`. An ARN built with the wrong partition names nothing.
 */
const PREFIXES: readonly [prefix: string, partition: string][] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

/** The partition of a region (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, …). */
export function partitionOf(region: string): string {
  return PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
