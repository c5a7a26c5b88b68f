/**
 * The packaged `ci` stage for the infrastructure tests: local/packageStage.ts packages it once
 * per inputs, with no AWS variables (proof that packaging needs no credentials).
 */
import {
  envWithoutAws,
  packageStage,
  type CfnResource,
  type CfnTemplate,
  type PackageResult,
} from '../../../local/packageStage.js';

export type { CfnResource, CfnTemplate, PackageResult };
export { envWithoutAws };

/** Repository root (tests run with it as the working directory). */
export const ROOT = process.cwd();

/** `serverless package --stage ci`, once per distinct set of inputs. */
export function packagedTemplate(): Promise<PackageResult> {
  return packageStage('ci');
}

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
