//! Cross-cutting HTTP behaviour, each a small `from_fn` middleware, applied in `routes::app`:
//! request ids and access logs with metrics (`observe`), security headers, error rendering and
//! the request time limit. Authentication, CSRF and rate limits join here as they arrive.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use tracing::Instrument;

use super::AppState;
use crate::error::Error;

/// The request's id: the caller's `X-Request-Id` when it is a sane token, else a new UUID.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn accept_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| s.to_string())
}

/// Gives each request an id, a tracing span, an access-log line and its metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(accept_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let path = req.path().to_string();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let result = next.call(req).instrument(span.clone()).await;
    let mut res = result?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, &route, status, elapsed.as_secs_f64());
    }
    span.in_scope(|| {
        tracing::info!(status, route = %route, millis = elapsed.as_secs_f64() * 1000.0, "answered")
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    Ok(res)
}

/// Headers every answer carries (DESIGN.md, security is part of every feature). Pages may set a
/// stricter policy of their own; widgets relax `frame-ancestors` on their own routes.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.is_https());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=()",
    );
    if https {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(res)
}

/// Replaces every error response, ours or actix's, with problem+json or an HTML page.
pub async fn errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // No clone of the request may be held across `next.call`: routing needs it unshared.
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    // Only answers that carry an error are rendered; a handler that chose its own error body
    // (readiness's 503 with its checks) keeps it.
    if res.response().error().is_none() || !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let origin = state
        .as_ref()
        .map(|s| s.config.origin().to_string())
        .unwrap_or_default();
    let request_id = res
        .request()
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone());
    let (req, response) = res.into_parts();
    let rendered = super::problem::render(
        &req,
        status,
        response.error(),
        &origin,
        request_id.as_deref(),
    );
    Ok(ServiceResponse::new(req, rendered))
}

/// Answers 503 when a request takes longer than `HUB_REQUEST_TIMEOUT_SECS`. Applied per resource
/// (after routing), because it keeps a handle on the request that routing must not see shared.
pub async fn time_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.request_timeout)
        .unwrap_or(std::time::Duration::from_secs(30));
    let http_req = req.request().clone();
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(res) => res.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Ok(ServiceResponse::new(
            http_req,
            actix_web::HttpResponse::from_error(Error::Timeout),
        )),
    }
}

/// Read-your-writes for the catalogue: after a successful write (any method but GET, HEAD,
/// OPTIONS), the search projection applies the events the write appended before the answer
/// leaves, so the writer's next read — an approved offer in the search, a place taken — already
/// shows it. Other instances see it when their tail next polls. A failure here only delays the
/// projection (the tail retries), so the write's answer stands.
pub async fn read_your_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    let writes = ![Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?;
    let status = res.status();
    if let Some(state) =
        state.filter(|_| writes && (status.is_success() || status.is_redirection()))
    {
        use crate::jobs::tail::Projection;
        if let Err(e) = state.catalogue.catch_up(&state.db).await {
            tracing::warn!(error = %e, "catalogue search is behind; the tail will catch up");
        }
        if let Err(e) = state.linked_data.catch_up(&state.db).await {
            tracing::warn!(error = %e, "linked data is behind; the tail will catch up");
        }
    }
    Ok(res)
}

/// The administration API as its own authorisation layer: nothing under `/api/admin/` runs (not
/// even its body parsing) for anyone but a superadmin. Handlers check again; this makes the
/// refusal uniform (401 anonymous, 403 everyone else) whatever the handler's extractors.
pub async fn admin_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if super::auth::decoded_path(req.path()).starts_with("/api/admin/") {
        use actix_web::FromRequest;
        let caller =
            super::auth::Caller::from_request(req.request(), &mut actix_web::dev::Payload::None)
                .await;
        let refusal = match caller {
            Ok(caller) => caller.superadmin().err(),
            Err(e) => Some(e),
        };
        if let Some(e) = refusal {
            let (request, _) = req.into_parts();
            return Ok(ServiceResponse::new(
                request,
                actix_web::HttpResponse::from_error(e),
            ));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Public catalogue reads may be called from any origin (widgets on provider portals): they
/// carry no credentials, so `*` is safe. Everything else stays same-origin.
fn is_public_read(path: &str) -> bool {
    path == "/api/offers"
        || path == "/api/openapi.json"
        || (path.starts_with("/api/offers/") && !path.contains("/applications"))
        || (path.starts_with("/api/providers/") || path.starts_with("/api/trainers/"))
            && path.ends_with("/rating")
}

/// CORS for the public reads, including the preflight a partner's `X-Api-Key` header causes.
pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let public = is_public_read(req.path());
    let method = req.method().clone();
    if public && method == actix_web::http::Method::OPTIONS {
        let (request, _) = req.into_parts();
        let res = actix_web::HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "X-Api-Key, If-None-Match, Accept-Language",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .finish();
        return Ok(ServiceResponse::new(request, res));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    if public && (method == actix_web::http::Method::GET || method == actix_web::http::Method::HEAD)
    {
        let h = res.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Retry-After, X-Request-Id"),
        );
    }
    Ok(res)
}

/// Refuses a request whose URL or header fields are larger than the configured limits with a
/// problem document (414, 431) naming the limit, before anything reads it. (Heads beyond the
/// HTTP server's own 128 KiB buffer are refused by the server itself, with 431.)
pub async fn head_limits(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.config.max_url_bytes, s.config.max_header_bytes));
    if let Some((max_url, max_headers)) = limits {
        let url = req.uri().to_string().len();
        let headers: usize = req
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        let refusal = if url > max_url {
            Some(Error::UriTooLong(max_url))
        } else if headers > max_headers {
            Some(Error::HeadersTooLarge(max_headers))
        } else {
            None
        };
        if let Some(e) = refusal {
            let (request, _) = req.into_parts();
            return Ok(ServiceResponse::new(request, HttpResponse::from_error(e)));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
