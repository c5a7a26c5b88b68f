/**
 * `npm run member-template:generate`: writes the member StackSet's template
 * (lib/deploy/memberTemplate.ts, from resources/detect-patterns.yml) into
 * resources/member-stackset.yml, and the member rotation template (lib/deploy/memberRotation.ts,
 * from the stage's rotation resources) into resources/member-rotation-stackset.yml, which
 * serverless.yml packages as the StackSets' TemplateBody.
 * test/unit/infra/organization.test.ts fails when the file is behind the detect routes.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readDetectRoutes } from '../lib/deploy/detectRoutes.js';
import {
  MEMBER_ROTATION_STACKSET_FILE,
  memberRotationStacksetFile,
  readMemberRotation,
} from '../lib/deploy/memberRotation.js';
import { MEMBER_STACKSET_FILE, memberStacksetFile } from '../lib/deploy/memberTemplate.js';

const at = (file: string) => resolve(import.meta.dirname, '..', file);
writeFileSync(at(MEMBER_STACKSET_FILE), memberStacksetFile(readDetectRoutes()));
writeFileSync(at(MEMBER_ROTATION_STACKSET_FILE), memberRotationStacksetFile(readMemberRotation()));
process.stdout.write(`wrote ${MEMBER_STACKSET_FILE} and ${MEMBER_ROTATION_STACKSET_FILE}\n`);
