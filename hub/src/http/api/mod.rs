//! JSON handlers, one module per resource (api.md). Each handler's `#[utoipa::path]` is its
//! OpenAPI entry.

pub mod admin;
pub mod announcements;
pub mod applications;
pub mod auth;
pub mod health;
pub mod me;
pub mod offers;
pub mod paging;
pub mod ratings;
