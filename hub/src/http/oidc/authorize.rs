//! `/oauth2/authorize` (authorization code + PKCE) and the consent form behind it.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::oidc::{self, CodeRequest};
use crate::error::Error;
use crate::http::auth::Caller;
use crate::http::pages::{self, Page};
use crate::http::AppState;

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct AuthorizeQuery {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
}

/// Back to the client with an OAuth error (only once its redirect URI is known to be its own).
fn error_redirect(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> HttpResponse {
    let mut url = url::Url::parse(redirect_uri).expect("registered redirect URIs are absolute");
    url.query_pairs_mut()
        .append_pair("error", error)
        .append_pair("error_description", description);
    if let Some(state) = state {
        url.query_pairs_mut().append_pair("state", state);
    }
    HttpResponse::Found()
        .insert_header(("location", url.to_string()))
        .finish()
}

/// The authorize URL again, without `prompt` (so a fresh sign-in is not asked for twice).
fn resume_url(q: &AuthorizeQuery) -> String {
    let mut q = q.clone();
    q.prompt = None;
    format!(
        "/oauth2/authorize?{}",
        serde_urlencoded::to_string(&q).unwrap_or_default()
    )
}

pub async fn authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<AuthorizeQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let lang = pages::language(&req, &caller);
    let client_id = q.client_id.clone().unwrap_or_default();
    let client = state
        .db
        .run(move |conn| oidc::client(conn, &client_id))
        .await?;
    // Until the client and its redirect URI check out, errors are shown here, never redirected:
    // that would make the hub an open redirector.
    let Some(client) = client else {
        return pages::message(&lang, 400, "consent-title", "unknown client_id");
    };
    let Some(redirect_uri) = q.redirect_uri.clone().filter(|u| client.allows_redirect(u)) else {
        return pages::message(
            &lang,
            400,
            "consent-title",
            "redirect_uri is not registered for this client",
        );
    };
    let st = q.state.as_deref();
    if q.response_type.as_deref() != Some("code") {
        return Ok(error_redirect(
            &redirect_uri,
            "unsupported_response_type",
            "only code is supported",
            st,
        ));
    }
    let scope = q.scope.clone().unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if !scopes.contains(&"openid") {
        return Ok(error_redirect(
            &redirect_uri,
            "invalid_scope",
            "openid is required",
            st,
        ));
    }
    let scope: String = scopes
        .iter()
        .filter(|s| oidc::SCOPES.contains(s))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    match (
        q.code_challenge.as_deref(),
        q.code_challenge_method.as_deref(),
    ) {
        (Some(_), Some("S256")) => {}
        (Some(_), _) => {
            return Ok(error_redirect(
                &redirect_uri,
                "invalid_request",
                "code_challenge_method must be S256",
                st,
            ))
        }
        (None, _) if client.is_public() => {
            return Ok(error_redirect(
                &redirect_uri,
                "invalid_request",
                "PKCE is required",
                st,
            ))
        }
        (None, _) => {}
    }
    let prompt = q.prompt.clone().unwrap_or_default();
    let session = match &caller {
        Caller::Person { session, .. } if prompt != "login" => session.clone(),
        _ if prompt == "none" => {
            return Ok(error_redirect(
                &redirect_uri,
                "login_required",
                "no signed-in session",
                st,
            ))
        }
        _ => {
            let mut to = format!("/signin?return_to={}", urlencode(&resume_url(&q)));
            if let Some(hint) = &q.login_hint {
                to.push_str(&format!("&login_hint={}", urlencode(hint)));
            }
            return Ok(HttpResponse::Found()
                .insert_header(("location", to))
                .finish());
        }
    };
    if !client.first_party {
        let (user, cid, s) = (session.user_id.clone(), client.id.clone(), scope.clone());
        let granted = state
            .db
            .run(move |conn| oidc::granted(conn, &user, &cid, &s))
            .await?;
        if !granted {
            if prompt == "none" {
                return Ok(error_redirect(
                    &redirect_uri,
                    "consent_required",
                    "consent has not been given",
                    st,
                ));
            }
            return pages::html(&ConsentPage {
                page: Page::new(&lang, &caller),
                client_name: client.name.clone(),
                scopes: scope
                    .split(' ')
                    .map(|s| pages::t(&lang, &format!("scope-{s}")))
                    .collect(),
                resume: resume_url(&q),
                client_id: client.id.clone(),
                scope,
            });
        }
    }
    let (nonce, challenge) = (q.nonce.clone(), q.code_challenge.clone());
    let (cid, sid, uri) = (client.id.clone(), session.id.clone(), redirect_uri.clone());
    let code = state
        .db
        .run(move |conn| {
            oidc::issue_code(
                conn,
                &CodeRequest {
                    client_id: &cid,
                    session_id: &sid,
                    redirect_uri: &uri,
                    scope: &scope,
                    nonce: nonce.as_deref(),
                    code_challenge: challenge.as_deref(),
                },
            )
        })
        .await?;
    let mut url = url::Url::parse(&redirect_uri).expect("registered redirect URIs are absolute");
    url.query_pairs_mut().append_pair("code", &code);
    if let Some(st) = st {
        url.query_pairs_mut().append_pair("state", st);
    }
    Ok(HttpResponse::Found()
        .insert_header(("location", url.to_string()))
        .finish())
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(askama::Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    page: Page,
    client_name: String,
    scopes: Vec<String>,
    resume: String,
    client_id: String,
    scope: String,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    pub csrf: String,
    pub client_id: String,
    pub scope: String,
    pub resume: String,
    pub decision: String,
}

/// Records the person's consent (or refusal) and resumes the authorization request.
pub async fn consent(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: Caller,
    form: web::Form<ConsentForm>,
) -> Result<HttpResponse, Error> {
    let form = form.into_inner();
    caller.check_csrf(Some(&form.csrf))?;
    caller.person()?;
    if !form.resume.starts_with("/oauth2/authorize?")
        || !crate::http::pages::is_own_path(&form.resume)
    {
        return Err(Error::field(
            "resume",
            "invalid",
            "not an authorization request",
        ));
    }
    if form.decision != "allow" {
        // Refusal goes back to the client as access_denied, via its checked redirect URI.
        let query: AuthorizeQuery =
            serde_urlencoded::from_str(form.resume.trim_start_matches("/oauth2/authorize?"))
                .map_err(|_| Error::field("resume", "invalid", "not an authorization request"))?;
        let cid = form.client_id.clone();
        let client = state.db.run(move |conn| oidc::client(conn, &cid)).await?;
        if let (Some(client), Some(uri)) = (client, query.redirect_uri.as_deref()) {
            if client.allows_redirect(uri) {
                return Ok(error_redirect(
                    uri,
                    "access_denied",
                    "the person declined",
                    query.state.as_deref(),
                ));
            }
        }
        return Err(Error::Forbidden("consent declined".into()));
    }
    let (cid, scope) = (form.client_id.clone(), form.scope.clone());
    let actor = caller.actor(&req)?;
    state
        .db
        .run(move |conn| oidc::grant(conn, &cid, &scope, &actor))
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", form.resume))
        .finish())
}
