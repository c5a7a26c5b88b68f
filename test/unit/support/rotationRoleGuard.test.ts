/**
 * Issue 16: every rotation code path an integration test runs runs as its deployed role. The
 * entry points in test/integration/rotation/asRole.ts check that at run time (every client in
 * the ports must sign as the role, the admin only with a stated reason); this keeps the tests
 * on them: no file under test/integration/rotation/ (nor the rotate step process) may reach the
 * product's rotation entry points any other way. Imports are read with the TypeScript parser
 * (static, dynamic, namespace, re-exports, renames), not by matching text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = process.cwd();
const ROTATION_TESTS = join(ROOT, 'test', 'integration', 'rotation');
const CHECKED = join(ROTATION_TESTS, 'asRole.ts');

/** Module (from the repository root, no extension) → what runs product code from it. */
const ENTRY_POINTS: Record<string, readonly string[]> = {
  'lib/rotation/driver': ['driveRotation'],
  'lib/rotation/engine': ['runRotationStep'],
  'lib/rotation/sweep': ['sweepSecret'],
  'lib/rotation/handleStep': ['handleRotationStep'],
  'lib/rotation/onDemandLocal': ['localRotator'],
  'lib/rotation/onDemand': ['sweepAll', 'rotateMany'],
  'functions/rotate': ['makeHandler', 'handler'],
  'functions/rotateNow': ['makeHandler', 'handler', 'defaultDeps'],
};

/** The entry points `source` (a file at `path`) reaches other than through asRole.ts. */
export function uncheckedEntryPoints(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const moduleOf = (specifier: string): string | undefined => {
    if (!specifier.startsWith('.')) return undefined;
    const target = relative(ROOT, resolve(dirname(path), specifier)).replace(/\.(js|ts)$/, '');
    return ENTRY_POINTS[target] ? target : undefined;
  };
  const named = (module: string, names: readonly string[], line: string): void => {
    for (const name of names)
      if (ENTRY_POINTS[module]?.includes(name)) found.push(`${name} from ${module} (${line})`);
  };
  const at = (node: ts.Node): string =>
    `${relative(ROOT, path)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const module = moduleOf(node.moduleSpecifier.text);
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly
        : node.isTypeOnly;
      if (module && !typeOnly) {
        const bindings = ts.isImportDeclaration(node)
          ? node.importClause?.namedBindings
          : node.exportClause;
        if (!bindings || ts.isNamespaceImport(bindings) || ts.isNamespaceExport(bindings)) {
          // `import * as x`, `export * from`: every entry point of the module is reachable.
          named(module, ENTRY_POINTS[module] ?? [], at(node));
        } else {
          const elements = ts.isNamedImports(bindings)
            ? bindings.elements
            : (bindings as ts.NamedExports).elements;
          named(
            module,
            elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text),
            at(node),
          );
        }
      }
    }
    // `await import('…/driver.js')`: the whole module.
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const module = moduleOf(node.arguments[0].text);
      if (module) named(module, ENTRY_POINTS[module] ?? [], at(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function guardedFiles(): string[] {
  const inRotation = readdirSync(ROTATION_TESTS, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(ROTATION_TESTS, name))
    .filter((path) => path !== CHECKED);
  return [...inRotation, join(ROOT, 'test', 'support', 'rotateStepProcess.ts')];
}

describe('rotation integration tests reach the product only through the role-checked entry points', () => {
  it.each(guardedFiles().map((path) => [relative(ROOT, path), path]))('%s', (_name, path) => {
    expect(uncheckedEntryPoints(path, readFileSync(path, 'utf8'))).toEqual([]);
  });

  it('asRole.ts offers each entry point it checks', () => {
    const source = readFileSync(CHECKED, 'utf8');
    for (const name of ['driveRotation', 'runRotationStep', 'sweepSecret', 'rotateHandler'])
      expect(source).toMatch(
        new RegExp(`export async function ${name}\\b|export function ${name}\\b`),
      );
  });

  describe('the check itself', () => {
    const at = join(ROTATION_TESTS, 'example.test.ts');
    it.each([
      ["import { driveRotation } from '../../../lib/rotation/driver.js';", 'driveRotation'],
      [
        "import { driveRotation as drive } from '../../../lib/rotation/driver.js';",
        'driveRotation',
      ],
      ["import * as driver from '../../../lib/rotation/driver.js';", 'driveRotation'],
      ["const { sweepSecret } = await import('../../../lib/rotation/sweep.js');", 'sweepSecret'],
      ["export { makeHandler } from '../../../functions/rotate.js';", 'makeHandler'],
      [
        "import { makeHandler, type RotateEvent } from '../../../functions/rotate.js';",
        'makeHandler',
      ],
      ["import { runRotationStep } from '../../../lib/rotation/engine';", 'runRotationStep'],
    ])('finds %s', (line, name) => {
      expect(uncheckedEntryPoints(at, line).join()).toContain(name);
    });

    it.each([
      "import { driveRotation } from './asRole.js';",
      "import type { DriveOptions } from '../../../lib/rotation/driver.js';",
      "import { type DriveResult } from '../../../lib/rotation/driver.js';",
      "import { defaultDeps } from '../../../functions/rotate.js';",
      "import { RotationInProgressError } from '../../../lib/rotation/errors.js';",
    ])('lets %s through', (line) => {
      expect(uncheckedEntryPoints(at, line)).toEqual([]);
    });
  });
});
