//! JSON handlers, one module per resource (api.md). Each handler's `#[utoipa::path]` is its
//! OpenAPI entry.

pub mod admin;
pub mod announcements;
pub mod applications;
pub mod auth;
pub mod badges;
pub mod employees;
pub mod health;
pub mod me;
pub mod notifications;
pub mod offers;
pub mod paging;
pub mod ratings;
pub mod trainers;
pub mod verify;

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::error::Error;

/// The version an `If-Match` header names: 428 without one, 412 when it names none.
pub fn if_match(req: &HttpRequest) -> Result<i32, Error> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(Error::PreconditionRequired)?;
    raw.to_str()
        .ok()
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .and_then(|v| v.parse().ok())
        .ok_or(Error::PreconditionFailed)
}
