// Checks a holder's signed presentation (DIDAuth) with Digital Bazaar's suites, for Laurel's wallet tests:
//
//   node verify-presentation.mjs --presentation vp.json --challenge C [--domain D]
//
// Ed25519Signature2020 (what the Learner Credential Wallet signs with) and eddsa-rdfc-2022. The
// holder's did:key is expanded here from the key it names; nothing is fetched.
// Prints one JSON object {verified, errors}; exit 0 = verified, 1 = not, 2 = usage error.
import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import ed25519Context from 'ed25519-signature-2020-context';
import didContext from 'did-context';

const {values: args} = parseArgs({options: {
  presentation: {type: 'string'}, challenge: {type: 'string'}, domain: {type: 'string'},
}});
if(!args.presentation || !args.challenge) {
  console.log(JSON.stringify({verified: false, usageError: '--presentation and --challenge are required'}));
  process.exit(2);
}
const presentation = JSON.parse(await readFile(args.presentation, 'utf8'));
const proof = [].concat(presentation.proof || [])[0] || {};
const legacy = proof.type === 'Ed25519Signature2020';

const documents = new Map();
for(const map of [credentialsContexts, dataIntegrityContext.contexts, multikeyContext.contexts,
  ed25519Context.contexts, didContext.contexts]) {
  for(const [url, doc] of map) {
    documents.set(url, doc);
  }
}

function didKeyDocuments(did) {
  const key = did.slice('did:key:'.length);
  const id = `${did}#${key}`;
  const method = legacy ?
    {'@context': ed25519Context.constants.CONTEXT_URL, id, type: 'Ed25519VerificationKey2020', controller: did,
      publicKeyMultibase: key} :
    {'@context': multikeyContext.CONTEXT_URL, id, type: 'Multikey', controller: did, publicKeyMultibase: key};
  const {'@context': _, ...bare} = method;
  const controller = {'@context': [didContext.constants.DID_CONTEXT_URL, method['@context']], id: did,
    verificationMethod: [bare], authentication: [id], assertionMethod: [id]};
  return {method, controller};
}

async function documentLoader(url) {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
  }
  if(url.startsWith('did:key:z6Mk')) {
    const [did, fragment] = url.split('#');
    const {method, controller} = didKeyDocuments(did);
    return {contextUrl: null, documentUrl: url, document: fragment ? method : controller};
  }
  throw new Error(`Refusing to load ${url}: nothing is fetched.`);
}

const suite = [new Ed25519Signature2020(), new DataIntegrityProof({cryptosuite: eddsaRdfc2022})];
const result = await vc.verify({presentation, challenge: args.challenge, domain: args.domain, suite,
  documentLoader, unsignedPresentation: false});
const errors = [];
const collect = error => {
  for(const e of (error?.errors || (error ? [error] : []))) {
    errors.push(e.message || String(e));
  }
};
collect(result.error);
(result.presentationResult?.results || []).forEach(r => collect(r.error));
console.log(JSON.stringify({verified: result.verified === true, errors}));
process.exit(result.verified === true ? 0 : 1);
