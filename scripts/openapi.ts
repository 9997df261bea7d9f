import { mkdir, writeFile } from 'node:fs/promises';
import { generateOpenApiDocument } from '../src/openapi-document.js';

// `npm run openapi`: regenerates the committed document from the route schemas.
await mkdir('openapi', { recursive: true });
await writeFile('openapi/openapi.json', await generateOpenApiDocument());
process.stdout.write('wrote openapi/openapi.json\n');
