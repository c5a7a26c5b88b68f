/**
 * Each service's resolver, by the signing name of its requests: from one call's request (and
 * lookups on the local AWS as its admin), the variables of the IAM catalog's ARN formats, whole
 * ARNs where names are not enough, the condition keys AWS sets and the authorizations the call
 * implies. local/iam/resources.ts turns a resolution into authorizations.
 * TEST/DEMO COMPONENT — local stack only.
 */
import type { Resolver } from '../authorizationTypes.js';
import { agentcore } from './agentcore.js';
import {
  athena,
  cloudformation,
  cloudtrail,
  cognito,
  glue,
  iam,
  lambda,
  logs,
  organizations,
  sts,
  wafv2,
} from './directlyNamed.js';
import { dynamodb } from './dynamodb.js';
import { events, sns, sqs } from './messaging.js';
import { s3 } from './s3.js';
import { kms, secretsmanager } from './secrets.js';

export const RESOLVERS: Record<string, Resolver> = {
  organizations,
  cloudformation,
  logs,
  secretsmanager,
  kms,
  dynamodb,
  sqs,
  sns,
  events,
  s3,
  iam,
  sts,
  lambda,
  cloudtrail,
  athena,
  glue,
  'cognito-idp': cognito,
  'bedrock-agentcore': agentcore,
  wafv2,
};
