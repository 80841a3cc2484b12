//! Memory under made-up partner keys (issue 9's finding: every unknown `X-Api-Key` used to leave
//! a limiter entry forever). Starts the release hub on a SQLite file of its own, sends requests
//! each with a new random key from `HUB_BENCH_CONNECTIONS` connections, and prints the hub's
//! resident memory before, right after, and once the remembered misses have expired.
//!
//! `cargo bench --bench limits` (`HUB_BENCH_KEYS` changes the 100,000 keys).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

async fn send(client: &reqwest::Client, url: &str, keys: usize, connections: usize) -> usize {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.to_string(), next.clone());
            tokio::spawn(async move {
                let mut refused = 0;
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < keys {
                    let key = format!("made-up-{:032x}", rand::random::<u128>());
                    let res = client.get(&url).header("x-api-key", key).send().await;
                    if res.is_ok_and(|r| r.status() == 401) {
                        refused += 1;
                    }
                }
                refused
            })
        })
        .collect();
    let mut refused = 0;
    for t in tasks {
        refused += t.await.unwrap();
    }
    refused
}

#[tokio::main]
async fn main() {
    let keys: usize = setting("HUB_BENCH_KEYS", "100000").parse().unwrap();
    let connections: usize = setting("HUB_BENCH_CONNECTIONS", "32").parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let hub = Hub(Command::new(env!("CARGO_BIN_EXE_hub"))
        .arg("serve")
        .env("HUB_BIND", format!("127.0.0.1:{port}"))
        .env("HUB_BASE_URL", format!("{base}/"))
        .env("HUB_DATA_DIR", dir.path())
        .env("HUB_DEMO_DATA", "false")
        .env("HUB_LOG", "warn")
        .env("HUB_RATE_PER_MINUTE", "100000000")
        .stdout(Stdio::null())
        .spawn()
        .unwrap());
    let client = reqwest::Client::new();
    let started = Instant::now();
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(started.elapsed() < Duration::from_secs(60), "hub not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = format!("{base}/api/me");
    // Warm up: connections, buffers and caches that any traffic brings.
    send(&client, &url, 2_000, connections).await;
    let pid = hub.0.id();
    let before = rss_mb(pid);
    let started = Instant::now();
    let refused = send(&client, &url, keys, connections).await;
    let took = started.elapsed().as_secs_f64();
    let after = rss_mb(pid);
    println!(
        "{keys} made-up keys from {connections} connections in {took:.1} s ({:.0} req/s), {refused} refused with 401",
        keys as f64 / took
    );
    println!(
        "hub RSS before {before:.1} MB, after {after:.1} MB ({:+.1} MB)",
        after - before
    );
    tokio::time::sleep(Duration::from_secs(35)).await;
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("hub_rate_limit_entries"))
    {
        println!("{line}");
    }
    println!("hub RSS once misses expired: {:.1} MB", rss_mb(pid));
}
