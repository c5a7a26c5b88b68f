import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Reads the stage's CloudFormation YAML (resources/*.yml, serverless.yml) into the JSON form of
 * its intrinsics (`!Sub x` → `{"Fn::Sub": "x"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`,
 * `!Condition C` → `{"Condition": "C"}`), as the framework hands them to CloudFormation. For
 * generators that reuse what the stage declares (lib/deploy/memberRotation.ts) instead of a
 * hand-made copy. js-yaml is the framework's own YAML reader (as lib/deploy/detectRoutes.ts).
 */
interface JsYaml {
  Type: new (
    tag: string,
    options: { kind: 'scalar' | 'sequence' | 'mapping'; construct: (data: unknown) => unknown },
  ) => unknown;
  DEFAULT_SCHEMA: { extend(types: unknown[]): unknown };
  load(text: string, options: { schema: unknown }): unknown;
}

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
];

function cfnSchema(yaml: JsYaml): unknown {
  const types: unknown[] = [];
  const kinds = ['scalar', 'sequence', 'mapping'] as const;
  for (const kind of kinds) {
    for (const name of FUNCTIONS) {
      types.push(
        new yaml.Type(`!${name}`, { kind, construct: (data) => ({ [`Fn::${name}`]: data }) }),
      );
    }
    types.push(new yaml.Type('!Ref', { kind, construct: (data) => ({ Ref: data }) }));
    types.push(new yaml.Type('!Condition', { kind, construct: (data) => ({ Condition: data }) }));
    types.push(
      new yaml.Type('!GetAtt', {
        kind,
        construct: (data) => ({
          'Fn::GetAtt': typeof data === 'string' ? data.split(/\.(.*)/s, 2) : data,
        }),
      }),
    );
  }
  return yaml.DEFAULT_SCHEMA.extend(types);
}

/** The parsed document of a stage YAML file (a path or file URL). */
export function readStageYaml(file: string | URL): Record<string, unknown> {
  const yaml = createRequire(import.meta.url)('js-yaml') as JsYaml;
  const parsed = yaml.load(readFileSync(file, 'utf8'), { schema: cfnSchema(yaml) });
  if (typeof parsed !== 'object' || parsed === null) {
    throw new RangeError(`${String(file)} holds no document`);
  }
  return parsed as Record<string, unknown>;
}
