//! `/api/auth/*`: registration, e-mail confirmation, tokens, password reset (api.md, Accounts).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::accounts::{self, Registration};
use crate::domain::sessions;
use crate::domain::signin;
use crate::domain::vocabulary::AccountStatus;
use crate::error::Error;
use crate::http::auth::{client_ip, lifetime, ACCESS_TOKEN_SECS};
use crate::http::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub id: String,
    /// Always `unconfirmed`: the e-mail link confirms it.
    pub status: &'static str,
}

/// Creates an unconfirmed account and sends the confirmation e-mail.
#[utoipa::path(post, path = "/api/auth/register", tag = "accounts", request_body = Registration,
    responses((status = 201, body = Registered), (status = 400, body = crate::http::problem::Problem),
              (status = 409, description = "the e-mail is taken")))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Registration>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    let registration = body.into_inner();
    // Every field is checked before the (deliberately slow) password hash is computed.
    registration.validate()?;
    let hash = state.hash_password(registration.password.clone()).await?;
    let sealer = state.sealer.clone();
    let id = state
        .db
        .run(move |conn| accounts::register(conn, &registration, hash, &sealer, &from))
        .await?;
    Ok(HttpResponse::Created().json(Registered {
        id,
        status: AccountStatus::Unconfirmed.as_str(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenOnly {
    pub token: String,
}

/// Confirms the e-mail address with the token from the link (`/confirm?token=…`).
#[utoipa::path(post, path = "/api/auth/confirm", tag = "accounts", request_body = TokenOnly,
    responses((status = 200), (status = 400, body = crate::http::problem::Problem)))]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenOnly>,
) -> Result<HttpResponse, Error> {
    let (token, from) = (body.into_inner().token, crate::http::auth::visitor(&req));
    state
        .db
        .run(move |conn| accounts::confirm(conn, &token, &from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": AccountStatus::Active })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// `password` or `refresh_token`.
    pub grant_type: String,
    pub email: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
}

/// Signs in (`password`) or rotates a refresh token (`refresh_token`).
#[utoipa::path(post, path = "/api/auth/token", tag = "accounts", request_body = TokenRequest,
    responses((status = 200, body = Tokens), (status = 401, body = crate::http::problem::Problem),
              (status = 423, description = "locked after too many failures"),
              (status = 429, description = "rate limited")))]
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<web::Json<Tokens>, Error> {
    let body = body.into_inner();
    let life = lifetime(&state);
    let (person, session_id, refresh) = match body.grant_type.as_str() {
        "password" => {
            let email = body
                .email
                .ok_or_else(|| Error::field("email", "required", "enter the e-mail"))?;
            let password = body
                .password
                .ok_or_else(|| Error::field("password", "required", "enter the password"))?;
            let ip = client_ip(&req);
            let user_id = state.sign_in(email, password, ip.clone()).await?;
            let agent = req
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            state
                .db
                .run(move |conn| {
                    let (session, refresh) = sessions::start_for_api(
                        conn,
                        &user_id,
                        ip.as_deref(),
                        agent.as_deref(),
                        life,
                    )?;
                    Ok((accounts::person(conn, &user_id)?, session.id, refresh))
                })
                .await?
        }
        "refresh_token" => {
            let token = body.refresh_token.ok_or_else(|| {
                Error::field("refresh_token", "required", "give the refresh token")
            })?;
            state
                .db
                .run(move |conn| {
                    // The redemption commits on its own: a replayed token must end the session
                    // even though this request then fails.
                    let session = sessions::redeem_refresh(conn, &token, life)?;
                    let refresh = sessions::issue_refresh(conn, &session.id)?;
                    Ok((
                        accounts::person(conn, &session.user_id)?,
                        session.id,
                        refresh,
                    ))
                })
                .await
                .map_err(|e| match e {
                    Error::Validation(_) => Error::Unauthenticated,
                    other => other,
                })?
        }
        _ => {
            return Err(Error::field(
                "grant_type",
                "invalid",
                "use password or refresh_token",
            ))
        }
    };
    let access_token = state.api_tokens.issue(&person, &session_id)?;
    Ok(web::Json(Tokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECS,
        refresh_token: refresh,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

/// Sends a reset link if the account exists; the answer is the same either way.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "accounts", request_body = ResetRequest,
    responses((status = 202)))]
pub async fn password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    let email = body.into_inner().email;
    let sealer = state.sealer.clone();
    state
        .db
        .run(move |conn| accounts::request_reset(conn, &email, &sealer, &from))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "status": "accepted" })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetConfirm {
    pub token: String,
    pub password: String,
}

/// Sets the new password from the link's token; every session of the account ends.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "accounts", request_body = ResetConfirm,
    responses((status = 200), (status = 400, body = crate::http::problem::Problem)))]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetConfirm>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    let ResetConfirm { token, password } = body.into_inner();
    // The policy's e-mail rule needs the account, which only the token names.
    let owner = {
        let token = token.clone();
        state
            .db
            .run(move |conn| accounts::email_of_token(conn, &token, accounts::LinkPurpose::Reset))
            .await?
    };
    let email = owner
        .ok_or_else(|| Error::field("token", "invalid", "this link is invalid, used or expired"))?;
    accounts::check_password_policy(&password, &email).map_err(|e| Error::Validation(vec![e]))?;
    let hash = state.hash_password(password).await?;
    state
        .db
        .run(move |conn| accounts::reset_password(conn, &token, hash, &from))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "changed" })))
}

/// The sign-in steps in order: look up, verify (bounded blocking pool), record.
pub(crate) async fn sign_in(
    state: &AppState,
    email: String,
    password: String,
    ip: Option<String>,
) -> Result<String, Error> {
    let policy = signin::Policy {
        attempts: state.config.lockout_attempts,
        window: state.config.lockout_window,
        lock_for: state.config.lockout_duration,
    };
    let from = ip.clone();
    let candidate = state
        .db
        .run(move |conn| signin::candidate(conn, &email, from.as_deref(), policy))
        .await?;
    let candidate = std::sync::Arc::new(candidate);
    // A locked account's password is not checked at all (the reservation said so).
    let ok = !candidate.locked && {
        let c = candidate.clone();
        state
            .blocking_hash(move || signin::check_password(&c, &password))
            .await?
    };
    state
        .db
        .run(move |conn| signin::conclude(conn, &candidate, ok, ip.as_deref(), policy))
        .await
}
