/**
 * `npm run audit:template [-- TEMPLATE.json]`: what auditors run, on the packaged template —
 * checkov (`--framework cloudformation`) and cfn-guard with AWS Control Tower's proactive
 * controls (both shipped by `@cdklabs/cdk-validator-cfnguard`). Both run offline. A finding
 * fails the run unless its resource suppresses it in place, with the reason beside it:
 *
 *     Metadata:
 *       checkov:
 *         skip:
 *           - id: CKV_AWS_117
 *             comment: why the check does not apply here
 *       guard:
 *         SuppressedRules:
 *           # why the rule does not apply here
 *           - lambda_inside_vpc_check
 *
 * A checkov skip without a comment fails too. Nothing is skipped on the command line. Without
 * an argument it packages `--stage ci` first, into a folder of its own. checkov lives in a venv
 * of its own (`.venv-audit`, from scripts/audit-requirements.txt), created on first use.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../local/paths.js';
import { withServerlessLock } from '../local/serverlessLock.js';
import { ensurePythonEnv } from '../local/venv.js';

const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
const AUDIT_VENV = join(PROJECT_ROOT, '.venv-audit');
const AUDIT_REQUIREMENTS = join(PROJECT_ROOT, 'scripts', 'audit-requirements.txt');
/** What checkov reports as the comment of a skip that has none. */
const CHECKOV_NO_COMMENT = 'No comment provided';

/** One tool's outcome: what passed, what was suppressed with a reason, and what fails the run. */
export interface AuditResult {
  tool: string;
  /** Checks (checkov: per resource) or rules (cfn-guard: per template) that passed. */
  passed: string;
  suppressed: number;
  failures: string[];
}

interface CheckovCheck {
  check_id: string;
  check_name: string;
  resource: string;
  check_result?: { suppress_comment?: string };
}

/** The part of checkov's `-o json` report read here. */
export interface CheckovReport {
  check_type?: string;
  summary: { passed: number; parsing_errors: number };
  results: { failed_checks?: CheckovCheck[]; skipped_checks?: CheckovCheck[] };
}

/** The part of the template read here: each resource's suppressions. */
export interface Template {
  Resources: Record<string, { Metadata?: { guard?: { SuppressedRules?: unknown } } }>;
}

/** The part of `cfn-guard validate --structured --output-format json` read here. */
export interface GuardReport {
  compliant: string[];
  not_compliant: unknown[];
}

/** checkov's findings: failed checks, and skips that give no reason, fail the run. */
export function checkovResult(report: CheckovReport): AuditResult {
  const failures = (report.results.failed_checks ?? []).map(
    (check) => `${check.check_id} ${check.resource}: ${check.check_name}`,
  );
  let suppressed = 0;
  for (const check of report.results.skipped_checks ?? []) {
    const comment = check.check_result?.suppress_comment?.trim() ?? '';
    if (comment && comment !== CHECKOV_NO_COMMENT) suppressed += 1;
    else failures.push(`${check.check_id} ${check.resource}: skipped without a comment`);
  }
  if (report.summary.parsing_errors > 0) {
    failures.push(`${report.summary.parsing_errors} template parsing error(s)`);
  }
  return { tool: 'checkov', passed: `${report.summary.passed} checks`, suppressed, failures };
}

/**
 * cfn-guard's findings, one per rule and resource; a finding is suppressed when the resource's
 * `Metadata.guard.SuppressedRules` names the rule. The Control Tower rules do not read that
 * metadata themselves (the Guard Rules Registry's convention), so it is applied here.
 */
export function guardResult(reports: GuardReport[], template: Template): AuditResult {
  let suppressed = 0;
  const failures: string[] = [];
  for (const entry of reports.flatMap((report) => report.not_compliant)) {
    const text = JSON.stringify(entry);
    const rule = (entry as { Rule?: { name?: string } }).Rule?.name ?? 'unnamed rule';
    const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(text)?.[1];
    const label = control ? `${rule} (${control})` : rule;
    const resources = new Set([...text.matchAll(/"\/Resources\/([^/"]+)/g)].map((m) => m[1]));
    if (resources.size === 0) failures.push(`${label}: no resource named`);
    for (const id of resources) {
      if (id && guardSuppressions(template, id).includes(rule.toLowerCase())) suppressed += 1;
      else failures.push(`${label} ${id ?? ''}`);
    }
  }
  const passed = reports.reduce((sum, report) => sum + report.compliant.length, 0);
  return { tool: 'cfn-guard', passed: `${passed} rules`, suppressed, failures };
}

function guardSuppressions(template: Template, id: string): string[] {
  const rules = template.Resources[id]?.Metadata?.guard?.SuppressedRules;
  return Array.isArray(rules) ? rules.map((rule) => String(rule).toLowerCase()) : [];
}

/** The audit of one template: runs both tools, prints a summary, returns the exit status. */
export async function auditTemplate(templatePath: string): Promise<number> {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
  const results = [await runCheckov(templatePath), await runGuard(templatePath, template)];
  for (const { tool, passed, suppressed, failures } of results) {
    console.log(
      `${tool.padEnd(9)} passed ${passed}, failed ${failures.length}, suppressed ${suppressed}`,
    );
    for (const failure of failures) console.log(`  FAIL ${failure}`);
  }
  const failed = results.some((result) => result.failures.length > 0);
  if (failed) {
    console.log('Fix the finding, or suppress it on the resource with its reason (see above).');
  }
  return failed ? 1 : 0;
}

async function runCheckov(templatePath: string): Promise<AuditResult> {
  const env = await ensurePythonEnv({
    dir: AUDIT_VENV,
    requirements: AUDIT_REQUIREMENTS,
    label: 'checkov',
  });
  const args = ['-f', templatePath, '--framework', 'cloudformation', '-o', 'json', '--compact'];
  // --skip-download: no call to Prisma Cloud for guidelines, so it runs offline.
  const { code, stdout } = await run(join(env.dir, 'bin', 'checkov'), [...args, '--skip-download']);
  if (code > 1) throw new Error(`checkov failed (exit ${code})`);
  const parsed = JSON.parse(stdout) as CheckovReport | CheckovReport[];
  const report = Array.isArray(parsed)
    ? parsed.find((r) => r.check_type === 'cloudformation')
    : parsed;
  if (!report) throw new Error('checkov reported nothing for CloudFormation');
  return checkovResult(report);
}

async function runGuard(templatePath: string, template: Template): Promise<AuditResult> {
  const root = dirname(
    createRequire(import.meta.url).resolve('@cdklabs/cdk-validator-cfnguard/package.json'),
  );
  const os = { linux: 'ubuntu', darwin: 'macos' }[process.platform as string];
  const cpu = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string];
  if (!os || !cpu) throw new Error(`no cfn-guard binary for ${process.platform}/${process.arch}`);
  const { code, stdout } = await run(join(root, 'bin', os, cpu, 'cfn-guard'), [
    'validate',
    ...['--rules', join(root, 'rules', 'control-tower', 'cfn-guard')],
    ...['--data', templatePath],
    ...['--output-format', 'json', '--show-summary', 'none', '--structured'],
  ]);
  // 0: all compliant, 19: some rule failed; anything else is guard itself failing.
  if (code !== 0 && code !== 19) throw new Error(`cfn-guard failed (exit ${code})`);
  return guardResult(JSON.parse(stdout) as GuardReport[], template);
}

/** Runs a command, its stderr passed through; its stdout captured, or sent to stderr too. */
function run(
  command: string,
  args: string[],
  capture = true,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const stdio: StdioOptions = ['ignore', capture ? 'pipe' : 2, 'inherit'];
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (code === null) reject(new Error(`${command} stopped by ${signal ?? 'a signal'}`));
      else resolvePromise({ code, stdout });
    });
  });
}

async function main(): Promise<number> {
  const given = process.argv[2];
  if (given) return auditTemplate(resolve(given));
  // Packaged into folders of our own: a package or test running beside us is not overwritten.
  const dir = mkdtempSync(join(tmpdir(), 'gatewarden-audit-'));
  const workDir = join('.esbuild', `audit-${process.pid}`);
  try {
    console.error('audit: serverless package --stage ci');
    const serverless = join(PROJECT_ROOT, 'node_modules', '.bin', 'serverless');
    // One serverless run at a time in this tree (local/serverlessLock.ts).
    const { code } = await withServerlessLock(() =>
      run(serverless, ['package', '--stage', 'ci', '--package', dir], false, {
        ...process.env,
        GATEWARDEN_ESBUILD_WORK_DIR: workDir,
      }),
    );
    if (code !== 0) throw new Error(`serverless package failed (exit ${code})`);
    return await auditTemplate(join(dir, TEMPLATE_FILE));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(PROJECT_ROOT, workDir), { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main()
    .then((status) => {
      process.exitCode = status;
    })
    .catch((error: unknown) => {
      console.error(`audit: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    });
}
