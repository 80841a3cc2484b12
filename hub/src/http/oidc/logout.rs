//! `/oauth2/logout`: RP-initiated logout. With a valid `id_token_hint` the hub ends the session
//! the token names and the browser's, then returns the person to the client's registered
//! `post_logout_redirect_uri` (or shows the signed-out page). Without one it signs nobody out.

use actix_web::{web, HttpRequest, HttpResponse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::domain::{oidc, sessions};
use crate::error::Error;
use crate::http::auth::Caller;
use crate::http::pages;
use crate::http::AppState;

#[derive(Deserialize)]
pub struct LogoutQuery {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

#[derive(Deserialize)]
struct Hint {
    aud: String,
    sid: Option<String>,
}

/// The client an ID token was issued to, if the token is ours (expired ones still count).
fn hinted_client(jwks: &serde_json::Value, token: &str) -> Option<Hint> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == kid.as_str())?;
    let decoding = DecodingKey::from_rsa_components(key["n"].as_str()?, key["e"].as_str()?).ok()?;
    let mut v = Validation::new(Algorithm::RS256);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Hint>(token, &decoding, &v)
        .ok()
        .map(|d| d.claims)
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<LogoutQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let app = state.clone();
    let hint = q.id_token_hint.clone();
    let ip = crate::http::auth::client_ip(&req);
    let target = state
        .db
        .run(move |conn| {
            let Some(token) = hint else { return Ok(None) };
            let jwks = app.oidc.jwks(conn)?;
            let Some(hint) = hinted_client(&jwks, &token) else {
                return Ok(None);
            };
            let client = oidc::client(conn, &hint.aud)?;
            if let Some(sid) = &hint.sid {
                // The session the client knows about ends even if the browser's cookie is gone.
                if let Some(s) = sessions::by_id(conn, sid, crate::http::auth::lifetime(&app))? {
                    let actor = crate::domain::Actor::person(&s.user_id, ip.clone());
                    sessions::end(conn, sid, &actor)?;
                }
            }
            Ok(client)
        })
        .await?;
    let lang = pages::language(&req, &caller);
    // Without a valid hint the request may come from any page on the web: a GET must not sign
    // anyone out then. The page points to the sign-out button (a CSRF-protected form).
    let Some(client) = target else {
        return pages::message(
            &lang,
            200,
            "nav-sign-out",
            &pages::t(&lang, "logout-confirm"),
        );
    };
    if let Caller::Person {
        person,
        session,
        via_cookie: true,
    } = &caller
    {
        let (actor, sid) = (
            crate::domain::Actor::person(&person.id, crate::http::auth::client_ip(&req)),
            session.id.clone(),
        );
        state
            .db
            .run(move |conn| sessions::end(conn, &sid, &actor))
            .await?;
    }
    let registered = q
        .post_logout_redirect_uri
        .as_deref()
        .filter(|uri| client.post_logout_redirect_uris().iter().any(|u| u == uri));
    let mut res = match registered {
        Some(uri) => {
            let mut url = url::Url::parse(uri).expect("registered URIs are absolute");
            if let Some(st) = &q.state {
                url.query_pairs_mut().append_pair("state", st);
            }
            HttpResponse::Found()
                .insert_header(("location", url.to_string()))
                .finish()
        }
        None => pages::message(
            &lang,
            200,
            "signed-out-title",
            &pages::t(&lang, "signed-out-done"),
        )?,
    };
    res.add_removal_cookie(&pages::session_cookie(&state, String::new()))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(res)
}
