//! The outbox invariants (issue 2): a write and its event commit or roll back together; every
//! event reaches each subscribed consumer once even with several workers; failures are retried
//! with backoff and finally set aside; a dead worker's lease expires and nothing is lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use futures_util::future::BoxFuture;
use hub::db::outbox::{self, Delivery, NewEvent};
use hub::db::schema::{deliveries, events, offers};
use hub::db::{write_transaction, Db, DbConnection};
use hub::domain::events::EventKind;
use hub::domain::offers::{NewOffer, OfferText};
use hub::domain::organisations::{self, Kind, NewOrganisation};
use hub::error::Error;
use hub::jobs::{Consumer, Worker};

use crate::support::{Backend, TestDb};

crate::both_backends!(
    a_rolled_back_write_leaves_no_event,
    an_invalid_offer_writes_nothing,
    each_event_is_delivered_once_with_two_workers,
    failed_deliveries_are_retried_with_backoff_then_set_aside,
    a_dead_workers_lease_expires_and_the_delivery_is_retried,
    a_killed_workers_deliveries_resume_within_the_lease,
    a_slow_delivery_holds_its_lease_and_nothing_else,
    a_delivery_that_never_answers_times_out,
);

/// Takes `slow` for the event whose payload has `"n": 0` and no time for the others, counting
/// what it delivered; `forever` makes the slow one never answer.
struct Paced {
    slow: Duration,
    seen: Mutex<HashMap<i64, u32>>,
    started: Mutex<HashMap<i64, std::time::Instant>>,
    finished: Mutex<HashMap<i64, std::time::Instant>>,
}

impl Paced {
    fn new(slow: Duration) -> Arc<Self> {
        Arc::new(Self {
            slow,
            seen: Mutex::default(),
            started: Mutex::default(),
            finished: Mutex::default(),
        })
    }
}

impl Consumer for Paced {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn kinds(&self) -> &'static [EventKind] {
        &[EventKind::OfferArchived]
    }
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.started
                .lock()
                .unwrap()
                .entry(d.event.id)
                .or_insert_with(std::time::Instant::now);
            if d.event.payload.contains("\"n\":0") {
                tokio::time::sleep(self.slow).await;
            }
            *self.seen.lock().unwrap().entry(d.event.id).or_default() += 1;
            self.finished
                .lock()
                .unwrap()
                .insert(d.event.id, std::time::Instant::now());
            Ok(())
        })
    }
}

/// Records every delivery it receives; fails while `failures` is above zero.
struct Probe {
    seen: Mutex<HashMap<i64, u32>>,
    failures: AtomicU32,
}

impl Probe {
    fn new(failures: u32) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(HashMap::new()),
            failures: AtomicU32::new(failures),
        })
    }
}

impl Consumer for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn kinds(&self) -> &'static [EventKind] {
        // Pings are archivings: no test here archives an offer otherwise.
        &[EventKind::OfferCreated, EventKind::OfferArchived]
    }
    fn deliver<'a>(&'a self, d: &'a Delivery) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            // A little time inside the delivery lets two workers overlap.
            tokio::time::sleep(Duration::from_millis(2)).await;
            if self.failures.load(Ordering::SeqCst) > 0 {
                self.failures.fetch_sub(1, Ordering::SeqCst);
                return Err("downstream said no".into());
            }
            *self.seen.lock().unwrap().entry(d.event.id).or_default() += 1;
            Ok(())
        })
    }
}

async fn prepared(backend: Backend) -> (TestDb, Db) {
    let test_db = TestDb::new(backend);
    let config = test_db.config(&[("HUB_DEMO_DATA", "false")]);
    let (pool, _) = hub::server::prepare(&config).await.unwrap();
    (test_db, pool)
}

fn sample_offer(provider_id: &str) -> NewOffer {
    let text = OfferText {
        title: "Zarządzanie projektami".into(),
        description: "Kurs dla kierowników projektów.".into(),
        ..Default::default()
    };
    let start = NaiveDate::from_ymd_opt(2031, 3, 1).unwrap();
    NewOffer {
        provider_id: provider_id.into(),
        default_language: "pl".into(),
        texts: [("pl".to_string(), text)].into(),
        industry: "soft skills".into(),
        isced_f_code: Some("0413".into()),
        esco_skills: Vec::new(),
        languages: vec!["pl".into()],
        mode: "online".into(),
        vr_ar: false,
        address: None,
        start_date: start,
        end_date: start + chrono::Duration::days(5),
        application_deadline: None,
        schedule: Vec::new(),
        hours: 16,
        price_minor: 150_000,
        price_currency: "PLN".into(),
        subsidised: false,
        eqf_level: Some(5),
        ects: None,
        min_participants: 2,
        max_participants: 10,
        microcredential: false,
        qualification_refs: Vec::new(),
    }
}

fn provider(conn: &mut DbConnection) -> String {
    let new = NewOrganisation {
        kind: Kind::Provider,
        name: "Test Provider",
        city: None,
        country: None,
        website: None,
        confirmed: true,
    };
    organisations::create(conn, &new, &hub::domain::Actor::hub()).unwrap()
}

/// A draft offer of a new provider (for tests elsewhere that need an unpublished offer).
pub fn create_draft(conn: &mut DbConnection) -> Result<String, Error> {
    let provider = provider(conn);
    hub::domain::offers::create(conn, &sample_offer(&provider), &hub::domain::Actor::hub())
}

fn counts(conn: &mut DbConnection) -> (i64, i64, i64) {
    (
        offers::table.count().get_result(conn).unwrap(),
        events::table
            .filter(events::kind.eq("offer.created"))
            .count()
            .get_result(conn)
            .unwrap(),
        deliveries::table.count().get_result(conn).unwrap(),
    )
}

async fn a_rolled_back_write_leaves_no_event(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let mut conn = pool.get().unwrap();
    outbox::subscribe(&mut conn, "probe", &["offer.created"]).unwrap();
    let provider = provider(&mut conn);

    let failed: Result<(), Error> = write_transaction(&mut conn, |conn| {
        hub::domain::offers::create(conn, &sample_offer(&provider), &hub::domain::Actor::hub())?;
        assert_eq!(
            counts(conn),
            (1, 1, 1),
            "inside the transaction the event is there"
        );
        Err(Error::Conflict(
            "a later step of the same write failed".into(),
        ))
    });
    assert!(failed.is_err());
    assert_eq!(
        counts(&mut conn),
        (0, 0, 0),
        "rolled back: no offer, no event, no delivery"
    );

    hub::domain::offers::create(
        &mut conn,
        &sample_offer(&provider),
        &hub::domain::Actor::hub(),
    )
    .unwrap();
    assert_eq!(
        counts(&mut conn),
        (1, 1, 1),
        "committed: the offer with its event and delivery"
    );
}

async fn an_invalid_offer_writes_nothing(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let mut conn = pool.get().unwrap();
    let provider = provider(&mut conn);
    let mut bad = sample_offer(&provider);
    bad.eqf_level = Some(9);
    bad.price_currency = "ZZZ".into();
    bad.max_participants = 1;
    bad.end_date = bad.start_date - chrono::Duration::days(1);
    let Err(Error::Validation(errors)) =
        hub::domain::offers::create(&mut conn, &bad, &hub::domain::Actor::hub())
    else {
        panic!("an invalid offer must be refused");
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "end_date",
            "price.currency",
            "eqf_level",
            "max_participants"
        ]
    );
    assert_eq!(counts(&mut conn), (0, 0, 0));
}

async fn wait_until(pool: &Db, what: &str, mut done: impl FnMut(&mut DbConnection) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if done(&mut pool.get().unwrap()) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn append_pings(conn: &mut DbConnection, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            write_transaction(conn, |conn| {
                outbox::append(
                    conn,
                    NewEvent {
                        kind: EventKind::OfferArchived.as_str(),
                        subject_type: "probe",
                        subject_id: i.to_string(),
                        actor_id: None,
                        payload: serde_json::json!({ "n": i }),
                    },
                )
            })
            .unwrap()
        })
        .collect()
}

fn statuses(conn: &mut DbConnection) -> Vec<(String, i32)> {
    deliveries::table
        .order(deliveries::id)
        .select((deliveries::status, deliveries::attempts))
        .load(conn)
        .unwrap()
}

async fn each_event_is_delivered_once_with_two_workers(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    outbox::subscribe(
        &mut pool.get().unwrap(),
        "probe",
        &names(Probe::new(0).kinds()),
    )
    .unwrap();
    let probe = Probe::new(0);
    let poll = Duration::from_millis(5);
    let first = Worker::new(pool.clone(), probe.clone(), poll, 5)
        .start()
        .await
        .unwrap();
    let second = Worker::new(pool.clone(), probe.clone(), poll, 5)
        .start()
        .await
        .unwrap();

    let ids = append_pings(&mut pool.get().unwrap(), 60);
    wait_until(&pool, "60 deliveries", |conn| {
        statuses(conn)
            .iter()
            .filter(|(s, _)| s == "delivered")
            .count()
            == 60
    })
    .await;
    first.stop().await;
    second.stop().await;

    let seen = probe.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 60);
    for id in ids {
        assert_eq!(seen.get(&id), Some(&1), "event {id} delivered exactly once");
    }
    assert!(statuses(&mut pool.get().unwrap())
        .iter()
        .all(|(_, attempts)| *attempts == 1));
}

async fn failed_deliveries_are_retried_with_backoff_then_set_aside(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let probe = Probe::new(u32::MAX);
    outbox::subscribe(&mut pool.get().unwrap(), "probe", &names(probe.kinds())).unwrap();
    let worker = Worker::new(pool.clone(), probe.clone(), Duration::from_millis(5), 2)
        .start()
        .await
        .unwrap();
    let before = Utc::now().naive_utc();
    append_pings(&mut pool.get().unwrap(), 1);
    // Claiming counts the attempt; the failure is recorded when the consumer has answered.
    wait_until(&pool, "a first failed attempt", |conn| {
        statuses(conn) == [("pending".into(), 1)]
            && deliveries::table
                .select(deliveries::last_error)
                .first::<Option<String>>(conn)
                .is_ok_and(|e| e.is_some())
    })
    .await;
    let (next, error): (chrono::NaiveDateTime, Option<String>) = deliveries::table
        .select((deliveries::next_attempt_at, deliveries::last_error))
        .first(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(error.as_deref(), Some("downstream said no"));
    assert!(
        next >= before + chrono::Duration::seconds(2),
        "the retry waits for its backoff"
    );

    // Let the backoff pass: the second failure is the last one allowed.
    diesel::update(deliveries::table)
        .set(deliveries::next_attempt_at.eq(Utc::now().naive_utc()))
        .execute(&mut pool.get().unwrap())
        .unwrap();
    wait_until(&pool, "the delivery to be set aside", |conn| {
        statuses(conn) == [("dead".into(), 2)]
    })
    .await;
    worker.stop().await;
    assert!(probe.seen.lock().unwrap().is_empty());
}

async fn a_dead_workers_lease_expires_and_the_delivery_is_retried(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let mut conn = pool.get().unwrap();
    outbox::subscribe(&mut conn, "probe", &[EventKind::OfferArchived.as_str()]).unwrap();
    append_pings(&mut conn, 1);
    let lease = chrono::Duration::seconds(60);

    // A worker claims the delivery, then dies before recording anything.
    let ghost = outbox::claim(&mut conn, "probe", "ghost", 10, lease).unwrap();
    assert_eq!(ghost.len(), 1);
    assert!(
        outbox::claim(&mut conn, "probe", "alive", 10, lease)
            .unwrap()
            .is_empty(),
        "a leased delivery is nobody else's"
    );
    diesel::update(deliveries::table)
        .set(deliveries::lease_until.eq(Utc::now().naive_utc() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .unwrap();

    let retried = outbox::claim(&mut conn, "probe", "alive", 10, lease).unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].event, ghost[0].event);
    assert_eq!(retried[0].attempts, 2);
    assert_eq!(retried[0].idempotency_key(), ghost[0].idempotency_key());
    assert!(outbox::complete(&mut conn, retried[0].id, "alive").unwrap());
    assert!(
        !outbox::complete(&mut conn, ghost[0].id, "ghost").unwrap(),
        "a worker that lost its lease cannot record an outcome"
    );
    assert_eq!(statuses(&mut conn), [("delivered".into(), 2)]);
}

fn names(kinds: &[EventKind]) -> Vec<&'static str> {
    kinds.iter().map(|k| k.as_str()).collect()
}

async fn a_killed_workers_deliveries_resume_within_the_lease(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let hung = Paced::new(Duration::from_secs(3600));
    outbox::subscribe(&mut pool.get().unwrap(), "probe", &names(hung.kinds())).unwrap();
    let lease = Duration::from_secs(3);
    let poll = Duration::from_millis(20);
    let doomed = Worker::new(pool.clone(), hung.clone(), poll, 5)
        .lease(lease)
        .start()
        .await
        .unwrap();
    append_pings(&mut pool.get().unwrap(), 1);
    wait_until(&pool, "the first worker to take the delivery", |_| {
        !hung.started.lock().unwrap().is_empty()
    })
    .await;
    doomed.kill().await;
    let killed_at = std::time::Instant::now();

    let rescuer = Paced::new(Duration::ZERO);
    let alive = Worker::new(pool.clone(), rescuer.clone(), poll, 5)
        .lease(lease)
        .start()
        .await
        .unwrap();
    wait_until(
        &pool,
        "the delivery to be made by the second worker",
        |conn| statuses(conn) == [("delivered".into(), 2)],
    )
    .await;
    alive.stop().await;
    assert!(
        killed_at.elapsed() < lease + Duration::from_secs(2),
        "resumed once the lease ran out, not later: {:?}",
        killed_at.elapsed()
    );
    assert_eq!(rescuer.seen.lock().unwrap().len(), 1);
}

async fn a_slow_delivery_holds_its_lease_and_nothing_else(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let paced = Paced::new(Duration::from_secs(4));
    outbox::subscribe(&mut pool.get().unwrap(), "probe", &names(paced.kinds())).unwrap();
    // A lease shorter than the slow delivery: only renewal keeps the second worker off it.
    let lease = Duration::from_secs(3);
    let poll = Duration::from_millis(20);
    let workers = [
        Worker::new(pool.clone(), paced.clone(), poll, 5)
            .lease(lease)
            .concurrency(4)
            .start()
            .await
            .unwrap(),
        Worker::new(pool.clone(), paced.clone(), poll, 5)
            .lease(lease)
            .concurrency(4)
            .start()
            .await
            .unwrap(),
    ];
    let ids = append_pings(&mut pool.get().unwrap(), 12);
    wait_until(&pool, "all 12 deliveries", |conn| {
        statuses(conn).iter().all(|(s, _)| s == "delivered")
    })
    .await;
    for w in workers {
        w.stop().await;
    }
    let seen = paced.seen.lock().unwrap().clone();
    for id in &ids {
        assert_eq!(seen.get(id), Some(&1), "event {id} delivered exactly once");
    }
    let finished = paced.finished.lock().unwrap().clone();
    let slow_done = finished[&ids[0]];
    assert!(
        ids[1..].iter().all(|id| finished[id] < slow_done),
        "the eleven quick deliveries did not wait for the slow one"
    );
    assert!(statuses(&mut pool.get().unwrap())
        .iter()
        .all(|(_, attempts)| *attempts == 1));
}

async fn a_delivery_that_never_answers_times_out(backend: Backend) {
    let (_test_db, pool) = prepared(backend).await;
    let hung = Paced::new(Duration::from_secs(3600));
    outbox::subscribe(&mut pool.get().unwrap(), "probe", &names(hung.kinds())).unwrap();
    let worker = Worker::new(pool.clone(), hung.clone(), Duration::from_millis(20), 5)
        .timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    append_pings(&mut pool.get().unwrap(), 1);
    wait_until(&pool, "the stalled attempt to be cut off", |conn| {
        statuses(conn) == [("pending".into(), 1)]
            && deliveries::table
                .select(deliveries::last_error)
                .first::<Option<String>>(conn)
                .unwrap()
                .is_some()
    })
    .await;
    worker.stop().await;
    let error: Option<String> = deliveries::table
        .select(deliveries::last_error)
        .first(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(error.as_deref(), Some("no answer within 1s"));
}
