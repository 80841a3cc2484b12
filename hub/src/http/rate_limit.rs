//! Rate limits (`governor`), answered with 429 and `Retry-After`: one budget per IP address for
//! anonymous and signed-in callers, a tighter one per IP for sign-in, registration and reset, and
//! each partner key its own budget (`api_keys.per_minute`), separate from anonymous callers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use crate::crypto::hash_token;
use crate::error::Error;

pub struct RateLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    signin_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// By the key's hash; `None` remembers a key that is unknown or revoked.
    per_key: Mutex<HashMap<String, Option<Arc<DefaultDirectRateLimiter>>>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

/// Paths whose every request is a password guess or an e-mail sent.
fn is_signin(path: &str, method: &actix_web::http::Method) -> bool {
    method == actix_web::http::Method::POST
        && (path.starts_with("/api/auth/")
            || [
                "/signin",
                "/register",
                "/forgot-password",
                "/reset-password",
            ]
            .contains(&path))
}

impl RateLimits {
    pub fn new(per_ip: u32, signin_per_ip: u32) -> Self {
        Self {
            per_ip: RateLimiter::keyed(per_minute(per_ip)),
            signin_per_ip: RateLimiter::keyed(per_minute(signin_per_ip)),
            per_key: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets a key's budget (after it is revoked or its limit changed).
    pub fn forget_keys(&self) {
        self.per_key.lock().expect("rate limit map").clear();
    }

    fn wait(
        result: Result<(), governor::NotUntil<governor::clock::QuantaInstant>>,
    ) -> Result<(), Error> {
        result.map_err(|not_until| Error::RateLimited {
            retry_after: not_until
                .wait_time_from(DefaultClock::default().now())
                .max(Duration::from_secs(1)),
        })
    }
}

/// Refuses over-budget requests before they reach routing; the `errors` middleware renders the
/// 429 with its `Retry-After`.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match check(&req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        // `from_error` keeps the error on the response for the `errors` middleware to render.
        Err(e) => {
            let (request, _) = req.into_parts();
            Ok(ServiceResponse::new(request, HttpResponse::from_error(e)))
        }
    }
}

async fn check(req: &ServiceRequest) -> Result<(), Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(());
    };
    let limits = &state.limits;
    let key = req
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(key) = key {
        let hash = hash_token(&key);
        let known = limits
            .per_key
            .lock()
            .expect("rate limit map")
            .get(&hash)
            .cloned();
        let limiter = match known {
            Some(l) => l,
            None => {
                let found = state
                    .db
                    .run(move |conn| crate::domain::api_keys::per_minute(conn, &key))
                    .await?;
                let limiter =
                    found.map(|(_, n)| Arc::new(RateLimiter::direct(per_minute(n as u32))));
                limits
                    .per_key
                    .lock()
                    .expect("rate limit map")
                    .insert(hash, limiter.clone());
                limiter
            }
        };
        // An unknown key is refused by authentication; it is limited as its IP would be.
        if let Some(limiter) = limiter {
            return RateLimits::wait(limiter.check());
        }
    }
    if let Some(ip) = crate::http::auth::client_addr(req.request()) {
        RateLimits::wait(limits.per_ip.check_key(&ip))?;
        if is_signin(req.path(), req.method()) {
            RateLimits::wait(limits.signin_per_ip.check_key(&ip))?;
        }
    }
    Ok(())
}
