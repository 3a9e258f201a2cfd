// Loads a fresh server for bench/http.sh: one customer, N funded EUR accounts, the k-th with
// the alias +4470000 and k in 6 digits. Writes the account ids (one per line) to OUT. Node 20
// built-ins only.
import { readFileSync, writeFileSync } from 'node:fs';

// With AUTH=jwt the scenarios authenticate with an OAuth access token (client credentials)
// instead of the API key; the app's id and secret also go to OUT.client for `token`.
const [url, dataDir, countText, out] = process.argv.slice(2);
const auth = process.env.AUTH || 'key';
const { api_key: key } = JSON.parse(readFileSync(`${dataDir}/bootstrap.json`, 'utf8'));
let seq = 0;
async function post(path, body) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'idempotency-key': `setup-${process.pid}-${seq++}`,
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const customer = await post('/v1/customers', { type: 'business', name: 'Bench Ltd' });
const ids = [];
const count = Number(countText);
for (let i = 0; i < count; i += 50) {
  const chunk = [];
  for (let k = i; k < Math.min(count, i + 50); k++) {
    // Each account has a phone alias (+4470000 and 6 digits) for the `payment` scenario.
    const alias = `+4470000${String(k).padStart(6, '0')}`;
    chunk.push(post('/v1/accounts', { customer: customer.id, currency: 'EUR', aliases: [alias] }));
  }
  for (const a of await Promise.all(chunk)) ids.push(a.id);
}
for (let i = 0; i < ids.length; i += 50) {
  await Promise.all(ids.slice(i, i + 50).map((id) =>
    post('/v1/sandbox/deposits', { account: id, amount: '100000000.00', currency: 'EUR' })));
}
writeFileSync(out, ids.join('\n') + '\n');
const app = await post('/v1/apps', {
  name: 'bench', grant_types: ['client_credentials'],
  scope: 'accounts.read balances.read transactions.read payments.write',
  token_endpoint_auth_method: 'client_secret_basic',
});
writeFileSync(`${out}.client`, `${app.client_id}\n${app.client_secret}\n`);
let bearer = key;
if (auth === 'jwt') {
  const res = await fetch(url + '/oauth2/token', {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(json)}`);
  bearer = json.access_token;
}
writeFileSync(`${out}.key`, bearer + '\n');
console.log(`setup: ${ids.length} accounts funded, auth=${auth}`);
