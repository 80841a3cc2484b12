//! Server-rendered pages (askama templates under `hub/templates/`, escaping on by default), in the
//! person's language (account, else the `lang` cookie, else `Accept-Language`; web.md).
//! Forms carry a CSRF token: the session's own once signed in, otherwise a double-submit cookie.

pub mod account;
pub mod badges;
pub mod catalogue;
pub mod verify;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::auth::{Caller, SESSION_COOKIE};
use super::AppState;
use crate::error::Error;
use crate::i18n;

pub const CSRF_COOKIE: &str = "hub_csrf";
pub const LANG_COOKIE: &str = "lang";

/// What every page's layout needs.
pub struct Page {
    pub lang: String,
    pub signed_in: bool,
    /// The token forms on this page must send back.
    pub csrf: String,
}

impl Page {
    pub fn new(lang: &str, caller: &Caller) -> Self {
        let (signed_in, csrf) = match caller {
            Caller::Person { session, .. } => (true, session.csrf_token.clone()),
            _ => (false, String::new()),
        };
        Self {
            lang: lang.to_string(),
            signed_in,
            csrf,
        }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(&self.lang, key, &[])
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t(&self.lang, key, &[(name, value)])
    }

    pub fn t2(&self, key: &str, n1: &str, v1: &str, n2: &str, v2: &str) -> String {
        i18n::t(&self.lang, key, &[(n1, v1), (n2, v2)])
    }
}

pub fn t(lang: &str, key: &str) -> String {
    i18n::t(lang, key, &[])
}

pub fn language(req: &HttpRequest, caller: &Caller) -> String {
    if let Caller::Person { person, .. } = caller {
        return i18n::supported(&person.language).to_string();
    }
    if let Some(c) = req.cookie(LANG_COOKIE) {
        if i18n::LANGUAGES.contains(&c.value()) {
            return c.value().to_string();
        }
    }
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(i18n::from_accept_language)
        .unwrap_or("en")
        .to_string()
}

/// The one stylesheet, compiled in (no build step, DESIGN.md).
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/hub.css"))
}

pub fn html(page: &impl Template) -> Result<HttpResponse, Error> {
    let body = page
        .render()
        .map_err(|e| Error::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: Page,
    title: String,
    text: String,
}

/// A page with a title and one paragraph.
pub fn message(
    lang: &str,
    status: u16,
    title_key: &str,
    text: &str,
) -> Result<HttpResponse, Error> {
    let page = MessagePage {
        page: Page {
            lang: lang.to_string(),
            signed_in: false,
            csrf: String::new(),
        },
        title: t(lang, title_key),
        text: text.to_string(),
    };
    let mut res = html(&page)?;
    *res.status_mut() =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    Ok(res)
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure outside plain-http hubs (identity.md).
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(state.config.is_https())
        .same_site(SameSite::Lax)
        .finish()
}

/// The anonymous CSRF token of this browser, and the cookie to set when it is new.
pub fn anonymous_csrf(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(CSRF_COOKIE).filter(|c| c.value().len() >= 32) {
        return (c.value().to_string(), None);
    }
    let token = crate::crypto::random_token();
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(state.config.is_https())
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// A form posted without a session must send back the token of its CSRF cookie.
pub fn check_anonymous_csrf(req: &HttpRequest, submitted: &str) -> Result<(), Error> {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if !submitted.is_empty() && crate::crypto::equal(c.value(), submitted) => Ok(()),
        _ => Err(Error::Forbidden(
            "the form is stale or forged (CSRF token missing)".into(),
        )),
    }
}

/// Only paths on this hub may be returned to after signing in (no open redirects).
pub fn safe_return(to: Option<&str>) -> String {
    match to {
        Some(t) if is_own_path(t) => t.to_string(),
        _ => "/".to_string(),
    }
}

/// A path on this hub and nothing else: one leading `/`, no control character (browsers drop
/// tabs and newlines, so `/\t/evil.example` would become `//evil.example`; a raw newline cannot
/// even go into a header), no backslash (browsers read it as `/`), and still on this origin once
/// resolved the way a browser resolves it.
pub fn is_own_path(t: &str) -> bool {
    let base = url::Url::parse("http://hub.invalid/").expect("a valid base");
    t.starts_with('/')
        && !t.starts_with("//")
        && !t.chars().any(|c| c.is_control() || c == '\\')
        && base.join(t).is_ok_and(|u| {
            u.origin() == base.origin() && u.username().is_empty() && u.password().is_none()
        })
}

/// Adds `cookie` (when there is one) to a page.
pub fn with_cookie(
    mut res: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, Error> {
    if let Some(c) = cookie {
        res.add_cookie(&c)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    Ok(res)
}

/// Starts a browser session for `user_id` (password or upstream sign-in) and sends the person on
/// to `return_to`, which callers have already checked with [`safe_return`].
pub async fn start_browser_session(
    state: &AppState,
    req: &HttpRequest,
    user_id: String,
    return_to: String,
) -> Result<HttpResponse, Error> {
    let ip = super::auth::client_ip(req);
    let agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let life = super::auth::lifetime(state);
    let started = state
        .db
        .run(move |conn| {
            crate::domain::sessions::start(
                conn,
                &user_id,
                crate::domain::sessions::Kind::Browser,
                ip.as_deref(),
                agent.as_deref(),
                life,
            )
        })
        .await?;
    let res = HttpResponse::SeeOther()
        .insert_header(("location", return_to))
        .finish();
    with_cookie(res, Some(session_cookie(state, started.token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_hub_are_return_addresses() {
        for ok in [
            "/",
            "/sessions",
            "/oauth2/authorize?client_id=a&state=%2F%2F",
            "/a//b",
        ] {
            assert_eq!(safe_return(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\0",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            " /x",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(safe_return(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return(None), "/");
    }
}
