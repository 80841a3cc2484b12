//! The verification portal `/verify` (open-badges.md): paste, upload or name a badge and read,
//! in one's own language, what holds and what fails. Works without JavaScript: the form posts
//! as `multipart/form-data` and the answer is a page.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{anonymous_csrf, check_anonymous_csrf, html, language, with_cookie, Page};
use crate::error::Error;
use crate::http::api::verify::{self, Report};
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    page: Page,
    report: Option<Report>,
    error: Option<String>,
    pasted: String,
    url: String,
}

fn page_for(
    req: &HttpRequest,
    state: &AppState,
    caller: &Caller,
) -> (Page, Option<actix_web::cookie::Cookie<'static>>) {
    let lang = language(req, caller);
    let mut page = Page::new(&lang, caller);
    let mut cookie = None;
    if page.csrf.is_empty() {
        let (token, c) = anonymous_csrf(req, state);
        page.csrf = token;
        cookie = c;
    }
    (page, cookie)
}

pub async fn form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let (page, cookie) = page_for(&req, &state, &caller);
    let res = html(&VerifyPage {
        page,
        report: None,
        error: None,
        pasted: String::new(),
        url: String::new(),
    })?;
    with_cookie(res, cookie)
}

pub async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Bytes,
) -> Result<HttpResponse, Error> {
    let form = verify::read_form(&req, body).await?;
    let submitted = form.csrf.clone().unwrap_or_default();
    match &caller {
        Caller::Person { .. } => caller.check_csrf(Some(&submitted))?,
        _ => check_anonymous_csrf(&req, &submitted)?,
    }
    let (page, cookie) = page_for(&req, &state, &caller);
    let pasted = form.text.clone().unwrap_or_default();
    let url = form.url.clone().unwrap_or_default();
    let credential = verify::from_form(&state, form).await;
    let (report, error, status) = match credential {
        Ok(c) => (Some(verify::check(&state, &c, &page.lang).await), None, 200),
        Err(Error::Validation(fields)) => (
            None,
            Some(
                fields
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            400,
        ),
        Err(other) => return Err(other),
    };
    let mut res = html(&VerifyPage {
        page,
        report,
        error,
        pasted,
        url,
    })?;
    *res.status_mut() = actix_web::http::StatusCode::from_u16(status).expect("a status");
    with_cookie(res, cookie)
}
