//! Prometheus metrics (the `prometheus` crate): requests by route and status, latency histograms,
//! pool and outbox gauges. One registry per hub instance, so several hubs in one test process do
//! not count into each other.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    outbox: IntGaugeVec,
    catalogue: IntGaugeVec,
    limits: IntGaugeVec,
    up: IntGauge,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("hub".into()), None).expect("valid prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0,
                ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )
        .expect("valid metric");
        let outbox = IntGaugeVec::new(
            Opts::new(
                "outbox_deliveries",
                "Outbox deliveries waiting (pending) or set aside (dead)",
            ),
            &["status"],
        )
        .expect("valid metric");
        let catalogue = IntGaugeVec::new(
            Opts::new(
                "catalogue",
                "The search projection: offers it holds, events it has yet to apply",
            ),
            &["what"],
        )
        .expect("valid metric");
        let limits = IntGaugeVec::new(
            Opts::new(
                "rate_limit_entries",
                "Entries the rate limiter keeps: per address, per known key, remembered misses",
            ),
            &["map"],
        )
        .expect("valid metric");
        let up = IntGauge::new("up", "1 while the hub serves").expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(outbox.clone()),
            Box::new(catalogue.clone()),
            Box::new(limits.clone()),
            Box::new(up.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        up.set(1);
        Self {
            registry,
            requests,
            latency,
            pool,
            outbox,
            catalogue,
            limits,
            up,
        }
    }

    /// `route` is the matched pattern (`/api/offers/{id}`), never the raw path, so that ids do
    /// not explode the number of series.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    pub fn set_pool(&self, open: u32, idle: u32, max: u32) {
        self.pool.with_label_values(&["open"]).set(open.into());
        self.pool.with_label_values(&["idle"]).set(idle.into());
        self.pool.with_label_values(&["max"]).set(max.into());
    }

    pub fn set_outbox(&self, pending: i64, dead: i64) {
        self.outbox.with_label_values(&["pending"]).set(pending);
        self.outbox.with_label_values(&["dead"]).set(dead);
    }

    pub fn set_catalogue(&self, offers: usize, behind: i64) {
        self.catalogue
            .with_label_values(&["offers"])
            .set(offers as i64);
        self.catalogue
            .with_label_values(&["events_behind"])
            .set(behind);
    }

    pub fn set_limits(&self, entries: crate::http::rate_limit::Entries) {
        let set = |map: &str, n: u64| self.limits.with_label_values(&[map]).set(n as i64);
        set("per_ip", entries.per_ip as u64);
        set("per_key", entries.per_key);
        set("misses", entries.misses);
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).expect("prometheus text is UTF-8")
    }

    pub fn set_down(&self) {
        self.up.set(0);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
