//! Rate limits (`governor`), answered with 429 and `Retry-After`: one budget per IP address for
//! anonymous and signed-in callers, a tighter one per IP for sign-in, registration and reset, and
//! each partner key its own budget (`api_keys.per_minute`), separate from anonymous callers.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use moka::sync::Cache;

use super::AppState;
use crate::crypto::hash_token;
use crate::error::Error;

/// Partner keys whose budgets are kept at once; more known keys than this only cost a lookup.
const KNOWN_KEYS: u64 = 10_000;
/// Unknown keys remembered (so a repeated wrong key costs no lookup, here or in authentication),
/// each for [`MISS_TTL`].
const MISSES: u64 = 10_000;
const MISS_TTL: Duration = Duration::from_secs(30);
/// How often per-address limiters that have refilled are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Every map here is bounded: per-key budgets and remembered misses by capacity and time (moka),
/// per-address limiters by dropping those that have refilled (governor's `retain_recent`), so no
/// stream of new keys or addresses grows the hub's memory.
pub struct RateLimits {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    signin_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Lookups of keys not known yet, per address: a stream of made-up keys costs the database
    /// no more than this, while a real partner's first request does not spend the address's
    /// anonymous budget.
    lookups_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Known partner keys' budgets, by the key's hash.
    per_key: Cache<String, Arc<DefaultDirectRateLimiter>>,
    /// Hashes of keys that are unknown or revoked: they get no budget of their own.
    misses: Cache<String, ()>,
    pruned: Mutex<Instant>,
    prune_every: Duration,
}

/// How many entries each limiter map holds now (for `/metrics` and the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entries {
    pub per_ip: usize,
    pub per_key: u64,
    pub misses: u64,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least 1"))
}

/// Paths whose every request is a password guess or an e-mail sent.
fn is_signin(path: &str, method: &actix_web::http::Method) -> bool {
    let path = crate::http::auth::decoded_path(path);
    let path = path.as_str();
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
            lookups_per_ip: RateLimiter::keyed(per_minute(per_ip)),
            per_key: Cache::builder()
                .max_capacity(KNOWN_KEYS)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            misses: Cache::builder()
                .max_capacity(MISSES)
                .time_to_live(MISS_TTL)
                .build(),
            pruned: Mutex::new(Instant::now()),
            prune_every: PRUNE_EVERY,
        }
    }

    /// Forgets every key's budget and every remembered miss (after a key is created, revoked or
    /// its limit changed).
    pub fn forget_keys(&self) {
        self.per_key.invalidate_all();
        self.misses.invalidate_all();
    }

    /// Whether `key` was looked up lately and found unknown: authentication need not ask again.
    pub fn is_known_miss(&self, key: &str) -> bool {
        self.misses.contains_key(&hash_token(key))
    }

    pub fn entries(&self) -> Entries {
        self.per_key.run_pending_tasks();
        self.misses.run_pending_tasks();
        Entries {
            per_ip: self.per_ip.len() + self.signin_per_ip.len() + self.lookups_per_ip.len(),
            per_key: self.per_key.entry_count(),
            misses: self.misses.entry_count(),
        }
    }

    /// Drops per-address limiters that are back to a full budget (they hold nothing a new one
    /// would not), at most once per [`PRUNE_EVERY`].
    fn prune(&self) {
        let mut last = self.pruned.lock().expect("prune time");
        if last.elapsed() < self.prune_every {
            return;
        }
        *last = Instant::now();
        drop(last);
        for limiter in [&self.per_ip, &self.signin_per_ip, &self.lookups_per_ip] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
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
    let ip = crate::http::auth::client_addr(req.request());
    if let Some(key) = key {
        let hash = hash_token(&key);
        if let Some(limiter) = limits.per_key.get(&hash) {
            return RateLimits::wait(limiter.check());
        }
        // A key seen lately to be unknown is limited as its address would be.
        if limits.misses.contains_key(&hash) {
            return charge_address(limits, ip.as_ref(), req);
        }
        if let Some(ip) = &ip {
            RateLimits::wait(limits.lookups_per_ip.check_key(ip))?;
        }
        let found = state
            .db
            .run(move |conn| crate::domain::api_keys::per_minute(conn, &key))
            .await?;
        match found {
            Some((_, n)) => {
                let limiter = Arc::new(RateLimiter::direct(per_minute(n as u32)));
                limits.per_key.insert(hash, limiter.clone());
                return RateLimits::wait(limiter.check());
            }
            // Refused by authentication later; nothing of it is kept but the brief miss.
            None => {
                limits.misses.insert(hash, ());
                return charge_address(limits, ip.as_ref(), req);
            }
        }
    }
    charge_address(limits, ip.as_ref(), req)
}

fn charge_address(
    limits: &RateLimits,
    ip: Option<&IpAddr>,
    req: &ServiceRequest,
) -> Result<(), Error> {
    limits.prune();
    if let Some(ip) = ip {
        RateLimits::wait(limits.per_ip.check_key(ip))?;
        if is_signin(req.path(), req.method()) {
            RateLimits::wait(limits.signin_per_ip.check_key(ip))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_address_limiters_that_refilled_are_dropped() {
        let mut limits = RateLimits::new(6_000, 6_000);
        limits.prune_every = Duration::ZERO;
        for i in 0..1_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert!(limits.per_ip.check_key(&ip).is_ok());
        }
        assert_eq!(limits.entries().per_ip, 1_000);
        // 6,000 a minute: one request's cell refills in 10 ms.
        std::thread::sleep(Duration::from_millis(50));
        limits.prune();
        assert_eq!(limits.entries().per_ip, 0);
    }

    #[test]
    fn remembered_misses_are_bounded() {
        let limits = RateLimits::new(60, 60);
        for i in 0..(MISSES + 2_000) {
            limits.misses.insert(format!("unknown-{i}"), ());
        }
        assert!(limits.entries().misses <= MISSES);
    }
}
