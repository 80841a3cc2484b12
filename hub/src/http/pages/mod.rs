//! Server-rendered pages (askama templates under `hub/templates/`, escaping on by default).
//! The full set of pages per role, in four languages, arrives with web.md; these are the public
//! catalogue a visitor of a bare `cargo run` sees.

pub mod catalogue;

use actix_web::http::header;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::Error;

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
