//! The OpenID Provider's endpoints (identity.md): discovery, authorize, token, userinfo, JWKS and
//! RP-initiated logout, for Chamilo's `oauth2` plugin and provider portals.
//!
//! Protocol errors follow the protocols, not the hub's problem+json: the authorize endpoint
//! redirects back with `error=` once the redirect URI is known to be the client's (and shows a
//! page when it is not), and the token endpoint answers RFC 6749 JSON errors.

pub mod authorize;
pub mod logout;
pub mod token;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::{accounts, oidc};
use crate::error::Error;
use crate::http::AppState;

/// `/.well-known/openid-configuration`
pub async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state.config.origin();
    HttpResponse::Ok().json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "userinfo_endpoint": format!("{issuer}/oauth2/userinfo"),
        "jwks_uri": format!("{issuer}/oauth2/jwks"),
        "end_session_endpoint": format!("{issuer}/oauth2/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": oidc::SCOPES,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
            "name", "given_name", "family_name", "preferred_username", "locale",
            "email", "email_verified", "chamilo_status"],
        "prompt_values_supported": ["none", "login", "consent"],
    }))
}

/// `/oauth2/jwks`: the current signing key and those retired too recently to drop.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, Error> {
    let state2 = state.clone();
    let keys = state.db.run(move |conn| state2.oidc.jwks(conn)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "public, max-age=300"))
        .json(keys))
}

/// `/oauth2/userinfo`: the claims the access token's scopes release. Chamilo reads this, not the
/// ID token, so everything it maps must be here.
pub async fn userinfo(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let unauthorised = |desc: &str| {
        HttpResponse::Unauthorized()
            .insert_header((
                "www-authenticate",
                format!("Bearer error=\"invalid_token\", error_description=\"{desc}\""),
            ))
            .json(serde_json::json!({ "error": "invalid_token", "error_description": desc }))
    };
    let Some(token) = token else {
        return unauthorised("no bearer token");
    };
    let found = state
        .db
        .run(move |conn| {
            let Some((user_id, scope)) = oidc::token_owner(conn, &token)? else {
                return Ok(None);
            };
            let person = accounts::person(conn, &user_id)?;
            let verified = accounts::email_verified(conn, &user_id)?;
            Ok(Some(oidc::claims(&person, &scope, verified)))
        })
        .await;
    match found {
        Ok(Some(claims)) => HttpResponse::Ok().json(claims),
        Ok(None) => unauthorised("unknown, expired or revoked token"),
        Err(e) => {
            tracing::error!(error = %e, "userinfo failed");
            HttpResponse::InternalServerError().json(serde_json::json!({ "error": "server_error" }))
        }
    }
}
