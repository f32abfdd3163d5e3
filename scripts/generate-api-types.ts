/**
 * `npm run generate:api`: regenerates api/openapi-types.ts from the OpenAPI document of the HTTP API
 * (openapi-typescript). test/api/openapi-types.test.ts fails when the committed file is out of date.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../server/http/openapi-document.ts';

export const API_TYPES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'api', 'openapi-types.ts');

const HEADER = `/**
 * Types of the lwtwin HTTP API, generated from its OpenAPI document (\`/api/docs\`) by openapi-typescript.
 * Do not edit: run \`npm run generate:api\` after changing a route schema.
 */
`;

/** The file's text as the current route schemas generate it. */
export async function generateApiTypes(): Promise<string> {
  const doc = await openApiDocument();
  const ast = await openapiTS(doc as any, { alphabetize: false });
  return HEADER + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeFile(API_TYPES_FILE, await generateApiTypes());
  process.stdout.write(`wrote ${path.relative(process.cwd(), API_TYPES_FILE)}\n`);
}
