// A standalone OIDC provider for TaskFlow's tests, on 127.0.0.1 only.
// MODE=ok | wrong_audience | wrong_nonce | no_email_verified | email_unverified;
// SUBJECT and EMAIL name the person.
// Prints {"issuer": "..."} once listening.
import { OAuth2Server } from 'oauth2-mock-server';

const mode = process.env.MODE ?? 'ok';
const subject = process.env.SUBJECT ?? 'johndoe';
const email = process.env.EMAIL ?? 'john.doe@example.com';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeTokenSigning', (token) => {
  token.payload.sub = subject;
  token.payload.email = email;
  token.payload.email_verified = true;
  if (mode === 'no_email_verified') delete token.payload.email_verified;
  if (mode === 'email_unverified') token.payload.email_verified = false;
  token.payload.name = 'OIDC Person';
  if (mode === 'wrong_audience') token.payload.aud = 'some-other-client';
  if (mode === 'wrong_nonce' && token.payload.nonce !== undefined) token.payload.nonce = 'not-the-nonce';
});
await server.start(0, '127.0.0.1');
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(JSON.stringify({ issuer: server.issuer.url }));
