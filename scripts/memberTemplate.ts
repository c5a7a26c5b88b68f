/**
 * `npm run member-template:generate`: writes the member StackSet's template
 * (lib/deploy/memberTemplate.ts, from resources/detect-patterns.yml) into
 * resources/member-stackset.yml, which serverless.yml packages as the StackSet's TemplateBody.
 * test/unit/infra/organization.test.ts fails when the file is behind the detect routes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readDetectRoutes } from '../lib/deploy/detectRoutes.js';
import { MEMBER_STACKSET_FILE, memberStacksetFile } from '../lib/deploy/memberTemplate.js';

const target = resolve(import.meta.dirname, '..', MEMBER_STACKSET_FILE);
writeFileSync(target, memberStacksetFile(readDetectRoutes()));
process.stdout.write(`wrote ${MEMBER_STACKSET_FILE}\n`);
