//! Signing in through an upstream OpenID Provider (brokering): the routes. The protocol itself
//! (discovery, PKCE, nonce, ID-token validation) is `adapters::upstream_oidc`; the flow's secrets
//! wait in SQL between the two legs (`domain::upstream`). After linking the identity to a local
//! account the person continues where they were going — often an authorization request from
//! Chamilo waiting at `/oauth2/authorize`.

use actix_web::{web, HttpRequest, HttpResponse};
use adapters::upstream_oidc::{self, UpstreamError};
use serde::Deserialize;

use super::pages::{safe_return, start_browser_session};
use super::AppState;
use crate::domain::upstream::{self, Flow, Identity};
use crate::error::Error;

impl From<UpstreamError> for Error {
    fn from(e: UpstreamError) -> Self {
        match e {
            UpstreamError::Unavailable(m) => Error::Unavailable(m),
            UpstreamError::Refused(m) => Error::Forbidden(m),
            UpstreamError::Settings(m) => Error::Internal(m),
        }
    }
}

/// The registered provider as the adapter needs it, with the hub's callback.
fn relying_party(state: &AppState, p: &upstream::Provider) -> upstream_oidc::Provider {
    upstream_oidc::Provider {
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        client_secret: p.client_secret.clone(),
        scopes: p.scopes.clone(),
        redirect_uri: format!("{}/signin/upstream/callback", state.config.origin()),
    }
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
    let auth = upstream_oidc::begin(&relying_party(&state, &provider)).await?;
    let flow = Flow {
        provider_id: provider.id.clone(),
        nonce: auth.nonce,
        pkce_verifier: auth.pkce_verifier,
        return_to: safe_return(query.return_to.as_deref()),
    };
    let st = auth.state;
    state
        .db
        .run(move |conn| upstream::begin_flow(conn, &st, &flow))
        .await?;
    Ok(HttpResponse::Found()
        .insert_header(("location", auth.url))
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
    let from = crate::http::auth::visitor(&req);
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
    let found = upstream_oidc::finish(
        &relying_party(&state, &provider),
        code,
        flow.pkce_verifier.clone(),
        flow.nonce.clone(),
    )
    .await?;
    let who = Identity {
        subject: found.subject,
        email: found.email,
        email_verified: found.email_verified,
        given_name: found.given_name,
        family_name: found.family_name,
        locale: found.locale,
    };
    let provider_id = provider.id.clone();
    let user_id = state
        .db
        .run(move |conn| upstream::link(conn, &provider_id, &who, &from))
        .await?;
    start_browser_session(&state, &req, user_id, flow.return_to).await
}
