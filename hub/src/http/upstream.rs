//! Signing in through an upstream OpenID Provider (brokering), as a relying party built on the
//! `openidconnect` crate: discovery, PKCE, nonce and ID token validation are the crate's. After
//! linking the identity to a local account the person continues where they were going — often
//! an authorization request from Chamilo waiting at `/oauth2/authorize`.

use actix_web::{web, HttpRequest, HttpResponse};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

use super::pages::{safe_return, start_browser_session};
use super::AppState;
use crate::domain::upstream::{self, Flow, Identity};
use crate::error::Error;

fn http_client() -> Result<reqwest::Client, Error> {
    // No redirects: the OIDC token and discovery endpoints must answer directly (SSRF hygiene).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| Error::Internal(e.to_string()))
}

type Rp = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The provider's current metadata (discovery, JWKS) as a relying-party client, and the HTTP
/// client to talk to it with.
async fn relying_party(
    state: &AppState,
    provider: &upstream::Provider,
) -> Result<(Rp, reqwest::Client), Error> {
    let http = http_client()?;
    let issuer =
        IssuerUrl::new(provider.issuer.clone()).map_err(|e| Error::Internal(e.to_string()))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| Error::Unavailable(format!("identity provider discovery: {e}")))?;
    let redirect =
        RedirectUrl::new(callback_url(state)).map_err(|e| Error::Internal(e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(provider.client_secret.clone())),
    )
    .set_redirect_uri(redirect);
    Ok((client, http))
}

fn callback_url(state: &AppState) -> String {
    format!("{}/signin/upstream/callback", state.config.origin())
}

#[derive(Deserialize)]
pub struct StartQuery {
    pub return_to: Option<String>,
}

pub async fn start(
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, Error> {
    let (id, sealer) = (id.into_inner(), state.sealer.clone());
    let provider = state
        .db
        .run(move |conn| upstream::get(conn, &id, &sealer))
        .await?;
    let (client, _) = relying_party(&state, &provider).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in provider
        .scopes
        .split(' ')
        .filter(|s| !s.is_empty() && *s != "openid")
    {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let (url, csrf, nonce) = request.set_pkce_challenge(challenge).url();
    let flow = Flow {
        provider_id: provider.id.clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        return_to: safe_return(query.return_to.as_deref()),
    };
    let st = csrf.secret().clone();
    state
        .db
        .run(move |conn| upstream::begin_flow(conn, &st, &flow))
        .await?;
    Ok(HttpResponse::Found()
        .insert_header(("location", url.to_string()))
        .finish())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    if let Some(error) = q.error {
        return Err(Error::Forbidden(format!(
            "the identity provider refused: {error}"
        )));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return Err(Error::field(
            "code",
            "required",
            "the identity provider sent no code",
        ));
    };
    let flow = state
        .db
        .run(move |conn| upstream::take_flow(conn, &st))
        .await?;
    let flow = flow.ok_or_else(|| {
        Error::field(
            "state",
            "invalid",
            "unknown or expired sign-in; start again",
        )
    })?;
    let (pid, sealer) = (flow.provider_id.clone(), state.sealer.clone());
    let provider = state
        .db
        .run(move |conn| upstream::get(conn, &pid, &sealer))
        .await?;
    let (client, http) = relying_party(&state, &provider).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| Error::Unavailable(format!("identity provider: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&http)
        .await
        .map_err(|e| Error::Forbidden(format!("the identity provider refused the code: {e}")))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| Error::Forbidden("the identity provider sent no ID token".into()))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
        .map_err(|e| Error::Forbidden(format!("the ID token is not valid: {e}")))?;
    let who = Identity {
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
    };
    let provider_id = provider.id.clone();
    let user_id = state
        .db
        .run(move |conn| upstream::link(conn, &provider_id, &who))
        .await?;
    start_browser_session(&state, &req, user_id, flow.return_to).await
}
