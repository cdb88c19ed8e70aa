// Signs a DIDAuth presentation the way the Learner Credential Wallet does (Digital Bazaar's vc and
// Ed25519Signature2020), for Laurel's wallet tests:
//
//   node sign-did-auth.mjs --seed <64 hex> --challenge C [--domain D]
//
// The holder is the did:key of the seed's key. Prints the signed presentation; nothing is fetched.
import {parseArgs} from 'node:util';
import * as vc from '@digitalbazaar/vc';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import ed25519Context from 'ed25519-signature-2020-context';

const {values: args} = parseArgs({options: {
  seed: {type: 'string'}, challenge: {type: 'string'}, domain: {type: 'string'},
}});
const key = await Ed25519VerificationKey2020.generate({seed: Buffer.from(args.seed, 'hex')});
const did = `did:key:${key.fingerprint()}`;
key.controller = did;
key.id = `${did}#${key.fingerprint()}`;

const documents = new Map([...credentialsContexts, ...ed25519Context.contexts]);
const documentLoader = async url => {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(documents.get(url))};
  }
  throw new Error(`Refusing to load ${url}: nothing is fetched.`);
};
const presentation = vc.createPresentation({holder: did, version: 1.0});
const signed = await vc.signPresentation({presentation, suite: new Ed25519Signature2020({key}),
  challenge: args.challenge, domain: args.domain, documentLoader});
console.log(JSON.stringify(signed));
