#!/usr/bin/env bash
# OAuth 2.0 / OIDC real-client tests: tests/oauth/*.test.mjs drive a real `corebank serve`
# with openid-client (discovery, client credentials, PAR + code + PKCE, refresh,
# introspection, revocation, userinfo, private_key_jwt, registration) and verify every token
# with jose against /oauth2/jwks; attack tests check that forgeries and replays are refused.
exec bash "$(dirname "$0")/node_suite.sh" oauth
