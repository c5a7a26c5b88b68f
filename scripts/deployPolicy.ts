/**
 * `npm run deploy-policy:generate`: which actions CloudFormation calls for each resource type of
 * the packaged template, from the CloudFormation resource schemas that cfn-lint ships (their
 * `handlers.{create,read,update,delete}.permissions`), written to
 * lib/deploy/deployPermissions.json for `gatewarden deploy-policy`. test/unit/infra/deployPolicy
 * .test.ts fails when the template gains a resource type the file does not list.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageStage } from '../local/packageStage.js';
import { ensurePythonEnv } from '../local/venv.js';
import type { DeployPermissions } from '../lib/deploy/policy.js';

const ROOT = resolve(import.meta.dirname, '..');
export const PERMISSIONS_FILE = join(ROOT, 'lib/deploy/deployPermissions.json');
const SCHEMA_REGION = 'us-east-1';

interface ResourceSchema {
  typeName?: string;
  handlers?: Record<string, { permissions?: string[] }>;
}

/** The cfn-lint package's schema folder inside the project's Python environment. */
async function schemasDir(): Promise<string> {
  const env = await ensurePythonEnv();
  const lib = join(env.dir, 'lib');
  const python = readdirSync(lib).find((name) => name.startsWith('python'));
  if (!python) throw new Error('no python folder in the project environment');
  return join(lib, python, 'site-packages/cfnlint/data/schemas');
}

/** Every resource type's handler permissions (create, read, update, delete; not list). */
export async function handlerPermissions(types: string[]): Promise<DeployPermissions> {
  const dir = await schemasDir();
  const index = JSON.parse(
    readFileSync(join(dir, 'providers', `${SCHEMA_REGION}.json`), 'utf8'),
  ) as Record<string, string>;
  const resourceTypes: Record<string, string[]> = {};
  for (const type of [...new Set(types)].sort()) {
    const hash = index[type];
    if (hash === undefined) throw new Error(`no CloudFormation schema for ${type}`);
    const schema = JSON.parse(
      readFileSync(join(dir, 'resources', `${hash}.json`), 'utf8'),
    ) as ResourceSchema;
    const actions = ['create', 'read', 'update', 'delete'].flatMap(
      (handler) => schema.handlers?.[handler]?.permissions ?? [],
    );
    resourceTypes[type] = [...new Set(actions)].sort();
  }
  return { source: `CloudFormation resource schemas (cfn-lint), ${SCHEMA_REGION}`, resourceTypes };
}

/** Resource types of the packaged template (stage ci: every optional resource included). */
export async function templateTypes(): Promise<string[]> {
  const { template } = await packageStage('ci');
  return Object.values(template.Resources).map((resource) => resource.Type);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const data = await handlerPermissions(await templateTypes());
  writeFileSync(PERMISSIONS_FILE, `${JSON.stringify(data, null, 2)}\n`);
  console.log(
    `wrote ${Object.keys(data.resourceTypes).length} resource types to lib/deploy/deployPermissions.json`,
  );
}
