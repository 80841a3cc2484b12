//! Login throughput: `cargo bench --bench logins` starts a release hub on SQLite (or on the
//! PostgreSQL database `HUB_BENCH_DATABASE_URL` names, which it migrates and fills), creates
//! accounts, then signs in from `CONCURRENCY` clients for `SECONDS` and prints logins per second
//! and latency percentiles. argon2id (OWASP parameters) dominates; the hub runs it on a pool of as
//! many threads as cores, so the figure is about cores / argon2-time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 32;
const CONCURRENCY: usize = 16;
const SECONDS: u64 = 10;
const PASSWORD: &str = "Bench-password-42";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("HUB_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let env: std::collections::HashMap<String, String> = [
        ("DATABASE_URL", url.as_str()),
        ("HUB_DATA_DIR", dir.path().to_str().unwrap()),
        ("HUB_BASE_URL", &format!("http://{addr}/")),
        ("HUB_DEMO_DATA", "false"),
        ("HUB_LOG", "error"),
        ("HUB_SIGNIN_RATE_PER_MINUTE", "1000000"),
        ("HUB_RATE_PER_MINUTE", "1000000"),
        ("HUB_LOCKOUT_ATTEMPTS", "1000000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = hub::Config::from_sources(&env, &toml::Table::new()).unwrap();
    let (db, _) = hub::server::prepare(&config).await.unwrap();
    let hash = hub::domain::accounts::hash_password(PASSWORD).unwrap();
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let emails: Vec<String> = (0..ACCOUNTS)
        .map(|i| format!("bench-{run_id}-{i}@example.eu"))
        .collect();
    for email in &emails {
        let (email, hash) = (email.clone(), hash.clone());
        db.run(move |conn| {
            let new = hub::domain::accounts::NewUser {
                email: &email,
                password_hash: Some(hash),
                first_name: "Bench",
                last_name: "Mark",
                language: "en",
                roles: &[hub::domain::vocabulary::Role::Trainee],
                confirmed: true,
            };
            hub::domain::accounts::create(conn, &new, &hub::domain::Actor::hub())
        })
        .await
        .unwrap();
    }
    let running = hub::server::start(config, db, Some(listener), Vec::new())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(0usize));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (client, stop, latencies, failures) = (
            client.clone(),
            stop.clone(),
            latencies.clone(),
            failures.clone(),
        );
        let emails = emails.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let res = client
                    .post(format!("http://{addr}/api/auth/token"))
                    .json(&serde_json::json!({ "grant_type": "password", "email": emails[i % emails.len()], "password": PASSWORD }))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == 200 => latencies.lock().unwrap().push(t.elapsed()),
                    _ => *failures.lock().unwrap() += 1,
                }
                i += CONCURRENCY;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(SECONDS)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap().clone();
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "logins: {} in {:.1} s = {:.1} logins/s on {} cores ({} clients); latency p50 {:?}, p99 {:?}; failures {}; backend {}",
        l.len(),
        elapsed,
        l.len() as f64 / elapsed,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        CONCURRENCY,
        pct(0.50),
        pct(0.99),
        failures.lock().unwrap(),
        if url.starts_with("postgres") { "postgres" } else { "sqlite" },
    );
    running.stop().await;
}
