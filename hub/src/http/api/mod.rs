//! JSON handlers, one module per resource (api.md). Each handler's `#[utoipa::path]` is its
//! OpenAPI entry.

pub mod health;
pub mod offers;
pub mod paging;
