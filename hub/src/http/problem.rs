//! Renders every error the hub answers with: RFC 9457 problem+json for API callers, an HTML page
//! for people in a browser. Handlers and extractors only return errors; the `errors` middleware
//! calls [`render`] so that the shape is the same for our errors and actix's own (bad JSON,
//! oversized bodies, unknown routes).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::{Error, FieldError};

/// Handlers return our error; the middleware replaces this bare response with the rendered one.
impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind().1).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::new(self.status_code())
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `{base}/problems/{kind}`: stable per kind of error.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The `X-Request-Id` of this request, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: super::pages::Page,
    status: u16,
    title: &'a str,
    detail: &'a str,
    errors: &'a [FieldError],
    request_id: Option<&'a str>,
}

fn title(kind: &str) -> &'static str {
    match kind {
        "validation" => "Invalid request",
        "unauthenticated" => "Sign-in required",
        "forbidden" => "Not allowed",
        "not-found" => "Not found",
        "conflict" => "Conflict",
        "precondition-failed" => "Changed by someone else",
        "precondition-required" => "If-Match required",
        "payload-too-large" => "Request too large",
        "uri-too-long" => "URL too long",
        "header-fields-too-large" => "Header fields too large",
        "locked" => "Account locked",
        "rate-limited" => "Too many requests",
        "timeout" => "Took too long",
        "unavailable" => "Temporarily unavailable",
        "method-not-allowed" => "Method not allowed",
        _ => "Something went wrong",
    }
}

/// Browsers asking for a page get a page; everything else (and every `/api/` path) gets JSON.
fn wants_html(req: &HttpRequest) -> bool {
    let path = req.path();
    let machine = [
        "/api/",
        "/oauth2/",
        "/.well-known/",
        "/metrics",
        "/healthz",
        "/readyz",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    !machine
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// Maps an actix error that is not ours (extractor failures, 404s of the router) onto a kind.
fn foreign(status: StatusCode, message: String) -> Error {
    match status.as_u16() {
        400 => Error::field("body", "invalid", message),
        404 => Error::NotFound("page".into()),
        413 => Error::PayloadTooLarge(0),
        414 => Error::UriTooLong(0),
        431 => Error::HeadersTooLarge(0),
        408 | 503 | 504 => Error::Timeout,
        s if s < 500 => Error::Conflict(message),
        _ => Error::Internal(message),
    }
}

pub fn render(
    req: &HttpRequest,
    status: StatusCode,
    error: Option<&actix_web::Error>,
    origin: &str,
    request_id: Option<&str>,
) -> HttpResponse {
    let converted;
    let err: &Error = match error.and_then(|e| e.as_error::<Error>()) {
        Some(ours) => ours,
        None => {
            converted = if status == StatusCode::METHOD_NOT_ALLOWED {
                Error::Conflict("method not allowed".into())
            } else {
                foreign(status, error.map(|e| e.to_string()).unwrap_or_default())
            };
            &converted
        }
    };
    let (mut kind, _) = err.kind();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        kind = "method-not-allowed";
    }
    if let Error::Internal(cause) = err {
        tracing::error!(%cause, path = req.path(), "internal error");
    }
    let errors = match err {
        Error::Validation(e) => e.clone(),
        _ => Vec::new(),
    };
    let detail = err.public_detail();
    let mut builder = HttpResponse::build(status);
    if let Error::RateLimited { retry_after } = err {
        builder.insert_header((
            header::RETRY_AFTER,
            retry_after.as_secs().max(1).to_string(),
        ));
    }
    if wants_html(req) {
        let lang = super::pages::language(req, &super::auth::Caller::Anonymous);
        let localised = crate::i18n::t(&lang, &format!("error-{kind}"), &[]);
        let page = ErrorPage {
            page: super::pages::Page {
                lang,
                signed_in: false,
                csrf: String::new(),
            },
            status: status.as_u16(),
            title: &localised,
            detail: &detail,
            errors: &errors,
            request_id,
        };
        return match page.render() {
            Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "error page template failed");
                builder.finish()
            }
        };
    }
    let problem = Problem {
        kind: format!("{origin}/problems/{kind}"),
        title: title(kind).to_string(),
        status: status.as_u16(),
        detail,
        instance: req.path().to_string(),
        errors,
        request_id: request_id.map(str::to_string),
    };
    let mut res = builder.json(problem);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}
