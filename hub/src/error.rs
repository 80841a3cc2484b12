//! The hub's one error type. Domain code returns it; the HTTP edge renders it as RFC 9457
//! problem+json or as a page (`http::problem`). Each variant is one stable problem `type`.
//!
//! Internal details (SQL errors, paths) are logged, never sent: `Internal` renders as a bare 500.

use std::time::Duration;

/// One bad field of a request, named as the API spells it (`price.amount`, `page_size`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("sign-in required")]
    Unauthenticated,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("this change needs an If-Match header with the resource's ETag")]
    PreconditionRequired,
    #[error("too many requests")]
    RateLimited { retry_after: Duration },
    #[error("the account is locked")]
    Locked,
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the URL is longer than {0} bytes")]
    UriTooLong(usize),
    #[error("the request's header fields are larger than {0} bytes together")]
    HeadersTooLarge(usize),
    #[error("the request took too long")]
    Timeout,
    #[error("the query took longer than its {0} ms: narrow it, or add a LIMIT")]
    QueryTooLong(u64),
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    #[error("the hub is shutting down")]
    ShuttingDown,
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The same problem for another caller, when one failure is shared (a cached computation
    /// that several requests waited for). What matters to a client — the status and its cause —
    /// is kept; the rest of an internal error was logged where it happened.
    pub fn shared_copy(&self) -> Self {
        match self {
            Self::Validation(fields) => Self::Validation(fields.clone()),
            Self::Unauthenticated => Self::Unauthenticated,
            Self::Forbidden(m) => Self::Forbidden(m.clone()),
            Self::NotFound(m) => Self::NotFound(m.clone()),
            Self::Conflict(m) => Self::Conflict(m.clone()),
            Self::PreconditionFailed => Self::PreconditionFailed,
            Self::PreconditionRequired => Self::PreconditionRequired,
            Self::RateLimited { retry_after } => Self::RateLimited {
                retry_after: *retry_after,
            },
            Self::Locked => Self::Locked,
            Self::PayloadTooLarge(n) => Self::PayloadTooLarge(*n),
            Self::UriTooLong(n) => Self::UriTooLong(*n),
            Self::HeadersTooLarge(n) => Self::HeadersTooLarge(*n),
            Self::Timeout => Self::Timeout,
            Self::QueryTooLong(n) => Self::QueryTooLong(*n),
            Self::Unavailable(m) => Self::Unavailable(m.clone()),
            Self::ShuttingDown => Self::ShuttingDown,
            Self::Internal(m) => Self::Internal(m.clone()),
        }
    }

    pub fn field(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// The problem `type` slug and HTTP status of each kind (api.md, Conventions).
    pub fn kind(&self) -> (&'static str, u16) {
        match self {
            Self::Validation(_) => ("validation", 400),
            Self::Unauthenticated => ("unauthenticated", 401),
            Self::Forbidden(_) => ("forbidden", 403),
            Self::NotFound(_) => ("not-found", 404),
            Self::Conflict(_) => ("conflict", 409),
            Self::PreconditionFailed => ("precondition-failed", 412),
            Self::PayloadTooLarge(_) => ("payload-too-large", 413),
            Self::UriTooLong(_) => ("uri-too-long", 414),
            Self::HeadersTooLarge(_) => ("header-fields-too-large", 431),
            Self::Locked => ("locked", 423),
            Self::PreconditionRequired => ("precondition-required", 428),
            Self::RateLimited { .. } => ("rate-limited", 429),
            Self::Internal(_) => ("internal", 500),
            Self::Timeout | Self::QueryTooLong(_) => ("timeout", 503),
            Self::Unavailable(_) | Self::ShuttingDown => ("unavailable", 503),
        }
    }

    /// What the caller may read; internal causes stay in the log.
    pub fn public_detail(&self) -> String {
        match self {
            Self::Internal(_) => "something went wrong on our side; it has been logged".into(),
            Self::Unavailable(_) => "a service the hub depends on is unavailable; try again".into(),
            other => other.to_string(),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match e {
            D::NotFound => Self::NotFound("record".into()),
            D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The constraint's name and text describe the schema: for the logs, not for
                // the caller.
                tracing::debug!(constraint = info.message(), "unique violation");
                Self::Conflict("this already exists".into())
            }
            D::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Conflict("a concurrent change won; retry".into())
            }
            other => Self::Internal(format!("database: {other}")),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(format!("json: {e}"))
    }
}

#[cfg(test)]
mod database_error_tests {
    use super::*;

    struct Info;
    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            "UNIQUE constraint failed: users.email"
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            Some("users")
        }
        fn column_name(&self) -> Option<&str> {
            Some("email")
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn a_unique_violation_is_a_conflict_without_the_database_text() {
        let e: Error = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(Info),
        )
        .into();
        assert_eq!(e.kind().1, 409);
        let shown = format!("{e} {}", e.public_detail());
        assert!(
            !shown.contains("UNIQUE") && !shown.contains("users.email"),
            "{shown}"
        );
    }
}
