/**
 * WAFv2 set-up for integration tests, as the stack's admin: a regional web ACL associated with a
 * resource ARN (a gateway). The JavaScript WAFv2 client is not a dependency of the project, so
 * this goes through boto3 — AWS's Python SDK, already in the local stack's `.venv` — signing
 * real WAFv2 requests to the local stack's endpoint (where the IAM gate decides them).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VENV_DIR } from '../../local/paths.js';
import { localStack } from './localStack.js';

const run = promisify(execFile);

const SCRIPT = `
import json, os, sys, boto3
waf = boto3.client('wafv2', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name=os.environ['AWS_REGION'])
name, resource = sys.argv[1], sys.argv[2]
acl = waf.create_web_acl(Name=name, Scope='REGIONAL', DefaultAction={'Allow': {}},
    VisibilityConfig={'SampledRequestsEnabled': False, 'CloudWatchMetricsEnabled': False, 'MetricName': name})
arn = acl['Summary']['ARN']
waf.associate_web_acl(WebACLArn=arn, ResourceArn=resource)
print(json.dumps({'webAclArn': arn}))
`;

/** Creates web ACL `name` and associates it with `resourceArn`; returns the ACL's ARN. */
export async function associateWebAcl(name: string, resourceArn: string): Promise<string> {
  const { stdout } = await run(join(VENV_DIR, 'bin', 'python'), ['-c', SCRIPT, name, resourceArn], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: localStack().endpoint,
      AWS_REGION: localStack().region,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    },
  });
  return (JSON.parse(stdout) as { webAclArn: string }).webAclArn;
}
