#!/usr/bin/env node
// Validate what the market generates with GS1's own published tools (run by the test suite):
//   echo '{"epcis": [<EPCIS 2.0 document>, ...], "digital_links": ["https://.../01/...", ...]}' | node scripts/gs1_validate.mjs
// Prints {"epcis": [{"success": bool, "errors": [...]}, ...], "digital_links": [{"uri", "valid", "trace"}...]}
// and exits 0 (the caller reads the verdicts). epcis2.js: validateEpcisDocument (JSON schema of EPCIS 2.0 and
// the CBV checks); digital-link.js: DigitalLink(uri).isValid() (the GS1 Digital Link grammar, check digits).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { validateEpcisDocument } = require('epcis2.js');
const { DigitalLink } = require('digital-link.js');

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');

const epcis = (input.epcis || []).map((document) => {
  try {
    const result = validateEpcisDocument(document, false);
    return { success: Boolean(result.success), errors: (result.errors || []).map(String) };
  } catch (error) {
    return { success: false, errors: [String(error && error.message ? error.message : error)] };
  }
});

const digitalLinks = (input.digital_links || []).map((uri) => {
  try {
    const link = DigitalLink(uri);
    return { uri, valid: Boolean(link.isValid()), identifier: link.getIdentifier(),
             keyQualifiers: link.getKeyQualifiers() };
  } catch (error) {
    return { uri, valid: false, error: String(error && error.message ? error.message : error) };
  }
});

process.stdout.write(JSON.stringify({ epcis, digital_links: digitalLinks }));
