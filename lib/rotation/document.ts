import { SecretDocumentError } from './errors.js';
import { secretDocumentSchema, type SecretDocument } from './secretDocument.js';

/**
 * Parses a secret value into a gatewarden document. Errors name the failing fields only —
 * never the value, which holds the credential.
 */
export function parseDocument(
  value: string | undefined,
  where: Record<string, string>,
): SecretDocument {
  if (value === undefined) {
    throw new SecretDocumentError('secret version has no value', { context: where });
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new SecretDocumentError('secret value is not JSON', { context: where });
  }
  const parsed = secretDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new SecretDocumentError(`secret value is not a valid gatewarden document (${fields})`, {
      context: where,
    });
  }
  return parsed.data;
}

/** Serialises a document for PutSecretValue. */
export function serializeDocument(doc: SecretDocument): string {
  return JSON.stringify(doc);
}
