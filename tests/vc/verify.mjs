#!/usr/bin/env node
// Digital Bazaar's vc as an independent verifier of the hub's badges (tests/blackbox/badges.rs):
// Data Integrity `eddsa-rdfc-2022`, offline. Contexts come from the official copies in
// CONTEXTS_DIR (../shared/conformance/ob3/contexts), everything else from the documents map the
// test fetched from the hub; any other URL is an error, so nothing reaches the network.
// Usage: CONTEXTS_DIR=/path/to/contexts node verify.mjs <credential.json> <documents.json>
// Prints one JSON line {"verified": bool, "error": "...", ...}; exit 0 iff verified.
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import securityContext from '@digitalbazaar/security-context';

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

function out(obj, code) {
  process.stdout.write(JSON.stringify(obj) + '\n');
  process.exit(code);
}

function errString(e) {
  if(!e) return undefined;
  if(Array.isArray(e)) return e.map(errString).join('; ');
  if(e.errors) return errString(e.errors);
  if(process.env.VC_DEBUG) console.error(e, JSON.stringify(e.details, null, 1));
  return e.message || String(e);
}

async function readJson(file) {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function buildLoader(documents) {
  const dir = process.env.CONTEXTS_DIR;
  if(!dir) throw new Error('CONTEXTS_DIR env var is required.');
  const fileMap = {
    'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
    'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
    [MULTIKEY_V1]: 'multikey-v1.jsonld',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json':
      'ob-v3p0-context-3.0.3.json',
    'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json':
      'ob-v3p0-extensions.json'
  };
  const contexts = new Map();
  for(const [url, file] of Object.entries(fileMap)) {
    contexts.set(url, await readJson(path.join(dir, file)));
  }
  contexts.set('https://www.w3.org/ns/credentials/examples/v2', {
    '@context': {'@vocab': 'https://www.w3.org/ns/credentials/examples#'}
  });
  // jsonld-signatures frames controller documents with
  // https://w3id.org/security/v2 (which imports /v1); serve the copies bundled
  // in @digitalbazaar/security-context (local, no network).
  for(const [url, ctx] of securityContext.contexts) contexts.set(url, ctx);

  const clone = x => structuredClone(x);
  const fromMap = url => {
    if(Object.hasOwn(documents, url)) {
      return clone(documents[url]);
    }
    if(contexts.has(url)) return clone(contexts.get(url));
    return undefined;
  };

  return async function documentLoader(url) {
    const result = doc => ({contextUrl: null, documentUrl: url, document: doc});
    const direct = fromMap(url);
    if(direct !== undefined) {
      // a verification method stored directly under its full (#fragment) URL
      if(url.includes('#') && !direct['@context']) {
        direct['@context'] = MULTIKEY_V1;
      }
      return result(direct);
    }
    const hash = url.indexOf('#');
    if(hash !== -1) {
      const base = url.slice(0, hash);
      const doc = fromMap(base);
      if(doc !== undefined) {
        // the document itself may be the verification method
        if(doc.id === url) {
          return result({'@context': MULTIKEY_V1, ...doc});
        }
        const vms = [].concat(doc.verificationMethod ?? []);
        const vm = vms.find(v => v && typeof v === 'object' && v.id === url);
        if(vm) {
          return result({'@context': MULTIKEY_V1, ...vm});
        }
        throw new Error(`Verification method "${url}" not found in "${base}".`);
      }
    }
    throw new Error(`Document loader: "${url}" not in local map (offline).`);
  };
}

// BitstringStatusListEntry check against a status list credential in the map.
// The status list credential itself must verify (same suite/loader).
function makeCheckStatus(documentLoader, suite) {
  return async function checkStatus({credential}) {
    try {
      const entries = [].concat(credential.credentialStatus);
      for(const entry of entries) {
        if(entry.type !== 'BitstringStatusListEntry') {
          throw new Error(`Unsupported credentialStatus type "${entry.type}".`);
        }
        const index = Number.parseInt(entry.statusListIndex, 10);
        if(!Number.isSafeInteger(index) || index < 0) {
          throw new Error('Invalid "statusListIndex".');
        }
        const {document: slc} =
          await documentLoader(entry.statusListCredential);
        const slcResult = await vc.verifyCredential(
          {credential: slc, suite, documentLoader});
        if(!slcResult.verified) {
          throw new Error('Status list credential did not verify: ' +
            errString(slcResult.error ?? slcResult.results?.[0]?.error));
        }
        const subject = [].concat(slc.credentialSubject)[0] ?? {};
        if(subject.statusPurpose && entry.statusPurpose &&
          subject.statusPurpose !== entry.statusPurpose) {
          throw new Error('statusPurpose mismatch with status list.');
        }
        const encoded = subject.encodedList;
        if(typeof encoded !== 'string' || encoded[0] !== 'u') {
          throw new Error('"encodedList" must be multibase base64url ("u").');
        }
        const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
        const byte = Math.floor(index / 8);
        if(byte >= bits.length) throw new Error('statusListIndex out of range.');
        const bit = (bits[byte] >> (7 - (index % 8))) & 1; // MSB-first
        if(bit !== 0) {
          return {verified: false,
            error: new Error(`Status bit set (${entry.statusPurpose}).`)};
        }
      }
      return {verified: true};
    } catch(error) {
      return {verified: false, error};
    }
  };
}

async function main() {
  const [credFile, docsFile] = process.argv.slice(2);
  if(!credFile || !docsFile) {
    out({verified: false,
      error: 'usage: node verify.mjs <credential.json> <documents.json>'}, 1);
  }
  const credential = await readJson(credFile);
  const documents = await readJson(docsFile);
  const documentLoader = await buildLoader(documents);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader,
    checkStatus: makeCheckStatus(documentLoader, suite)
  });
  const status = credential.credentialStatus ?
    (result.statusResult ? (result.statusResult.verified ? 'valid' : 'invalid') :
      'not checked') : 'none';
  const error = result.verified ? undefined :
    errString(result.error) ??
    errString(result.results?.find(r => !r.verified)?.error) ??
    errString(result.statusResult?.error) ?? 'verification failed';
  // note: vc.verifyCredential only calls checkStatus when credentialStatus
  // is present; "status" below reports which case applied.
  out({verified: result.verified === true, ...(error ? {error} : {}), status},
    result.verified ? 0 : 1);
}

main().catch(e => out({verified: false, error: errString(e)}, 1));
