// Fill a credential's SVG render template the way the Learner Credential Wallet does: Handlebars,
// compiled from the template's text and applied to {credential} (its PDF export, `buildCredentialHtml`).
//
//   node render-svg.mjs --template card.svg --credential cred.json
//
// Prints the filled SVG; exit 2 on a usage error. Fetches nothing.
import {readFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import Handlebars from 'handlebars';

const {values: args} = parseArgs({options: {
  template: {type: 'string'},
  credential: {type: 'string'},
}});
if(!args.template || !args.credential) {
  console.error('--template and --credential are required');
  process.exit(2);
}
const source = await readFile(args.template, 'utf8');
const credential = JSON.parse(await readFile(args.credential, 'utf8'));
process.stdout.write(Handlebars.compile(source)({credential}));
