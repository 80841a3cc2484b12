//! Signing in through an upstream OpenID Provider, as a relying party built on the
//! `openidconnect` crate: discovery, PKCE, nonce and ID-token validation are the crate's. The hub
//! keeps the flow's secrets between [`begin`] and [`finish`] and decides what the identity means
//! (linking it to an account); this module only speaks the protocol.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

/// An upstream provider as the hub registered it.
#[derive(Debug, Clone)]
pub struct Provider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Space-separated; `openid` is always asked for.
    pub scopes: String,
    /// The hub's callback.
    pub redirect_uri: String,
}

/// Where to send the browser, and what [`finish`] will need back.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub url: String,
    /// The `state` parameter: the key under which the hub keeps the rest.
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, from a validated ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The provider could not be reached or its discovery document is unusable.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
    /// The provider answered, and said no (or sent something that does not validate).
    #[error("{0}")]
    Refused(String),
    /// The registration itself is unusable (a bad issuer or callback URL).
    #[error("identity provider settings: {0}")]
    Settings(String),
}

type Rp = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn http_client() -> Result<reqwest::Client, UpstreamError> {
    // No redirects: the OIDC token and discovery endpoints must answer directly (SSRF hygiene).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| UpstreamError::Settings(e.to_string()))
}

/// The provider's current metadata (discovery, JWKS) as a relying-party client, and the HTTP
/// client to talk to it with.
async fn relying_party(p: &Provider) -> Result<(Rp, reqwest::Client), UpstreamError> {
    let http = http_client()?;
    let issuer =
        IssuerUrl::new(p.issuer.clone()).map_err(|e| UpstreamError::Settings(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| UpstreamError::Unavailable(format!("discovery: {e}")))?;
    let redirect = RedirectUrl::new(p.redirect_uri.clone())
        .map_err(|e| UpstreamError::Settings(e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(p.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    Ok((client, http))
}

/// Starts a sign-in: the authorization URL with a fresh state, nonce and PKCE challenge.
pub async fn begin(p: &Provider) -> Result<Authorization, UpstreamError> {
    let (client, _) = relying_party(p).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in p
        .scopes
        .split(' ')
        .filter(|s| !s.is_empty() && *s != "openid")
    {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Ok(Authorization {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Redeems the code the provider sent back and validates the ID token against the nonce.
pub async fn finish(
    p: &Provider,
    code: String,
    pkce_verifier: String,
    nonce: String,
) -> Result<Identity, UpstreamError> {
    let (client, http) = relying_party(p).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| UpstreamError::Unavailable(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| {
            UpstreamError::Refused(format!("the identity provider refused the code: {e}"))
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| UpstreamError::Refused("the identity provider sent no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce))
        .map_err(|e| UpstreamError::Refused(format!("the ID token is not valid: {e}")))?;
    Ok(Identity {
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        given_name: claims
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        family_name: claims
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        locale: claims.locale().map(|l| l.as_str().to_string()),
    })
}
