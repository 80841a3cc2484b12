//! `/oauth2/token`: trades an authorization code for an ID token and an access token (and a
//! refresh token, when the client asked for `offline_access`), or a refresh token for new ones.
//! Clients
//! authenticate with `client_secret_basic` or `client_secret_post` (Chamilo's library sends the
//! secret in the body); public clients send only their id and rely on PKCE.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::domain::{accounts, oidc};
use crate::error::Error;
use crate::http::AppState;

#[derive(Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
}

#[derive(Serialize)]
struct IdClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    at_hash: String,
    sid: String,
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let mut res =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("valid status"));
    if status == 401 {
        res.insert_header(("www-authenticate", "Basic realm=\"hub\""));
    }
    res.insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({ "error": error, "error_description": description }))
}

/// `client_secret_basic`: `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req
        .headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenForm>,
) -> HttpResponse {
    match exchange(state, &req, form.into_inner()).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "token endpoint failed");
            oauth_error(500, "server_error", "the hub could not answer; try again")
        }
    }
}

async fn exchange(
    state: web::Data<AppState>,
    req: &HttpRequest,
    form: TokenForm,
) -> Result<HttpResponse, Error> {
    let refreshing = match form.grant_type.as_deref() {
        Some("authorization_code") => false,
        Some("refresh_token") => true,
        _ => {
            return Ok(oauth_error(
                400,
                "unsupported_grant_type",
                "authorization_code or refresh_token",
            ))
        }
    };
    let (client_id, secret) = match (basic_credentials(req), form.client_id.clone()) {
        (Some((id, secret)), _) => (id, Some(secret)),
        (None, Some(id)) => (id, form.client_secret.clone()),
        (None, None) => {
            return Ok(oauth_error(
                401,
                "invalid_client",
                "client authentication required",
            ))
        }
    };
    let cid = client_id.clone();
    let client = state.db.run(move |conn| oidc::client(conn, &cid)).await?;
    let Some(client) = client.filter(|c| c.secret_matches(secret.as_deref())) else {
        return Ok(oauth_error(
            401,
            "invalid_client",
            "unknown client or wrong secret",
        ));
    };
    if refreshing {
        let Some(token) = form.refresh_token.clone() else {
            return Ok(oauth_error(
                400,
                "invalid_request",
                "refresh_token is required",
            ));
        };
        let lifetime = crate::http::auth::lifetime(&state);
        let granted = state
            .db
            .run(move |conn| oidc::refresh(conn, &token, &client, lifetime))
            .await?;
        return Ok(match granted {
            Err(oidc::GrantError::InvalidGrant(why)) => oauth_error(400, "invalid_grant", why),
            Ok(g) => HttpResponse::Ok()
                .insert_header(("cache-control", "no-store"))
                .json(serde_json::json!({
                    "access_token": g.access_token,
                    "token_type": "Bearer",
                    "expires_in": oidc::TOKEN_SECS,
                    "refresh_token": g.refresh_token,
                    "scope": g.scope,
                })),
        });
    }
    let Some(code) = form.code.clone() else {
        return Ok(oauth_error(400, "invalid_request", "code is required"));
    };
    let (redirect, verifier) = (form.redirect_uri.clone(), form.code_verifier.clone());
    let c = client.clone();
    let granted = state
        .db
        .run(move |conn| {
            oidc::redeem_code(conn, &code, &c, redirect.as_deref(), verifier.as_deref())
        })
        .await?;
    let granted = match granted {
        Ok(g) => g,
        Err(oidc::GrantError::InvalidGrant(why)) => {
            return Ok(oauth_error(400, "invalid_grant", why))
        }
    };
    let issuer = state.config.origin().to_string();
    let app = state.clone();
    let user = granted.user_id.clone();
    let (id_token, granted) = state
        .db
        .run(move |conn| {
            let person = accounts::person(conn, &user)?;
            let verified = accounts::email_verified(conn, &user)?;
            let now = chrono::Utc::now().timestamp();
            let id_claims = IdClaims {
                iss: issuer,
                sub: granted.user_id.clone(),
                aud: client.id.clone(),
                exp: now + oidc::TOKEN_SECS,
                iat: now,
                auth_time: granted.auth_time.and_utc().timestamp(),
                nonce: granted.nonce.clone(),
                at_hash: oidc::at_hash(&granted.access_token),
                sid: granted.session_id.clone(),
                claims: {
                    // `sub` is already a field of its own here.
                    let mut c = oidc::claims(&person, &granted.scope, verified);
                    c.remove("sub");
                    c
                },
            };
            Ok((app.oidc.sign(conn, &id_claims)?, granted))
        })
        .await?;
    let mut body = serde_json::json!({
        "access_token": granted.access_token,
        "token_type": "Bearer",
        "expires_in": oidc::TOKEN_SECS,
        "id_token": id_token,
        "scope": granted.scope,
    });
    if let Some(refresh) = granted.refresh_token {
        body["refresh_token"] = refresh.into();
    }
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(body))
}
