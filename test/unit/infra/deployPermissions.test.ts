import { readFileSync } from 'node:fs';
import { handlerPermissions, PERMISSIONS_FILE } from '../../../scripts/deployPolicy.js';
import { packagedTemplate } from './packagedTemplate.js';

/**
 * `gatewarden deploy-policy` reads lib/deploy/deployPermissions.json: it must list exactly the
 * resource types of the packaged template, with the handler permissions of their
 * CloudFormation schemas. Regenerate with `npm run deploy-policy:generate`.
 */
describe('lib/deploy/deployPermissions.json', () => {
  it('is in step with the packaged template and the resource schemas', async () => {
    const { template } = await packagedTemplate();
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    const expected = await handlerPermissions(types);
    const committed: unknown = JSON.parse(readFileSync(PERMISSIONS_FILE, 'utf8'));
    expect(committed).toEqual(expected);
  }, 300_000);
});
