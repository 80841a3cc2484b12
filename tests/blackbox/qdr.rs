//! Publishing to Europass QDR (issue 10): the LOQ XML the hub hosts follows the published offers
//! in debounced versions, validates against the official XSD (demo data and edge cases), answers
//! conditional requests with 304, names an offer that breaks a rule instead of publishing it,
//! and is pushed to a contract fake of the QDR API, retried after a failure, and never pushed
//! when QDR is not configured.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::offers::{cast, draft, publish, withdraw, Call};
use crate::support::{items, loq_xsd, Backend, TestHub};

crate::both_backends!(
    an_approved_offer_enters_the_xml_and_a_withdrawn_one_leaves,
    a_burst_of_approvals_makes_one_version,
    unchanged_answers_304,
    the_demo_data_validates_against_the_xsd,
    an_offer_that_breaks_a_rule_is_named_not_published,
    versions_are_pushed_and_a_failed_push_is_retried,
    a_push_that_failed_is_retried_after_a_restart,
    configuring_qdr_later_pushes_the_latest_version,
    without_settings_qdr_is_never_called,
);

/// Quick enough for tests, long enough that one publication's writes fall in one window.
const DEBOUNCE: (&str, &str) = ("HUB_QDR_DEBOUNCE_MS", "300");

/// The current version's XML and its tag, once there is one.
async fn current(hub: &TestHub) -> Option<(String, String)> {
    let res = hub.get("/qdr/learning-opportunities.xml").await;
    if res.status() == 503 {
        return None;
    }
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/xml");
    let tag = res.headers()["etag"].to_str().unwrap().to_string();
    Some((tag, res.text().await.unwrap()))
}

/// Polls the current version until `done` holds (or fails after 20 s).
async fn until(hub: &TestHub, what: &str, done: impl Fn(&str) -> bool) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((tag, xml)) = current(hub).await {
            if done(&xml) {
                return (tag, xml);
            }
        }
        assert!(Instant::now() < deadline, "no version where {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_valid(xml: &str) {
    if let Some(Err(report)) = loq_xsd(xml.as_bytes()) {
        panic!(
            "invalid against loq.xsd:\n{report}\n{}",
            xml.chars().take(3000).collect::<String>()
        );
    }
}

/// The dataset's versions as the superadmin sees them.
async fn history(hub: &TestHub, admin: &str) -> Vec<Value> {
    let res = hub
        .client
        .get(hub.url("/api/admin/qdr/versions?page_size=100"))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    items(res.json().await.unwrap()).as_array().unwrap().clone()
}

async fn an_approved_offer_enters_the_xml_and_a_withdrawn_one_leaves(backend: Backend) {
    let hub =
        TestHub::start_with(backend, &[("HUB_DEMO_DATA", "false"), DEBOUNCE], Vec::new()).await;
    let c = cast(&hub).await;
    let (_, empty) = until(&hub, "the first version exists", |_| true).await;
    assert!(!empty.contains("<learningOpportunity "));
    assert_valid(&empty);

    let call = Call { hub: &hub };
    let id = publish(&call, &c, draft(30)).await;
    let entry = format!("<learningOpportunity id=\"{}/id/offer/{id}\"", hub.url(""));
    let (_, with) = until(&hub, "the approved offer is in", |x| x.contains(&entry)).await;
    assert!(with.contains("<title language=\"pl\">Analiza danych w Excelu</title>"));
    assert_valid(&with);

    assert_eq!(withdraw(&call, &c, &id).await, 200);
    let (_, without) = until(&hub, "the withdrawn offer is out", |x| !x.contains(&entry)).await;
    assert_valid(&without);

    // Every version stays downloadable as it was.
    let versions = history(&hub, &c.admin).await;
    assert!(versions.len() >= 3, "{versions:?}");
    let numbers: Vec<i64> = versions
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "newest first: {numbers:?}"
    );
    let with_offer = versions
        .iter()
        .find(|v| v["offer_count"] == 1)
        .expect("the version with the offer");
    let old = hub
        .get(&format!("/qdr/versions/{}.xml", with_offer["number"]))
        .await;
    assert_eq!(old.status(), 200);
    assert!(old.text().await.unwrap().contains(&entry));
    assert_eq!(hub.get("/qdr/versions/999.xml").await.status(), 404);
    assert_eq!(hub.get("/qdr/versions/x.xml").await.status(), 404);
    hub.stop().await;
}

async fn a_burst_of_approvals_makes_one_version(backend: Backend) {
    let hub = TestHub::start_with(
        backend,
        &[("HUB_DEMO_DATA", "false"), ("HUB_QDR_DEBOUNCE_MS", "2500")],
        Vec::new(),
    )
    .await;
    let c = cast(&hub).await;
    until(&hub, "the first version exists", |_| true).await;
    let before = history(&hub, &c.admin).await.len();
    let call = Call { hub: &hub };
    for n in 0..8 {
        publish(&call, &c, draft(30 + n)).await;
    }
    until(&hub, "all eight are in", |x| {
        x.matches("<learningOpportunity ").count() == 8
    })
    .await;
    let versions = history(&hub, &c.admin).await;
    assert_eq!(
        versions.len(),
        before + 1,
        "eight approvals in a burst are one version: {versions:?}"
    );
    hub.stop().await;
}

async fn unchanged_answers_304(backend: Backend) {
    let hub = TestHub::start_with(backend, &[DEBOUNCE], Vec::new()).await;
    let (tag, _) = until(&hub, "the first version exists", |_| true).await;
    let get = |headers: Vec<(&'static str, String)>| {
        let mut req = hub.client.get(hub.url("/qdr/learning-opportunities.xml"));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
    };
    let first = get(vec![]).await.unwrap();
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    let hash = tag.trim_start_matches("W/\"").trim_end_matches('"');
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "the tag is the content's SHA-256: {tag}"
    );
    let again = get(vec![("if-none-match", tag.clone())]).await.unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    let since = get(vec![("if-modified-since", modified.clone())])
        .await
        .unwrap();
    assert_eq!(since.status(), 304);
    let stale = get(vec![("if-none-match", "W/\"0000\"".into())])
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    let earlier = get(vec![(
        "if-modified-since",
        "Mon, 01 Jan 2024 00:00:00 GMT".into(),
    )])
    .await
    .unwrap();
    assert_eq!(earlier.status(), 200);
    // Compressed and plain, the same document.
    let plain = get(vec![("accept-encoding", "identity".into())])
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let zipped = get(vec![("accept-encoding", "gzip".into())]).await.unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let zipped = zipped.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&zipped[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain);
    hub.stop().await;
}

async fn the_demo_data_validates_against_the_xsd(backend: Backend) {
    let hub = TestHub::start_with(backend, &[DEBOUNCE], Vec::new()).await;
    let (_, xml) = until(&hub, "the demo offers are in", |x| {
        x.contains("<learningOpportunity ")
    })
    .await;
    assert_valid(&xml);
    // Every demo offer made it: none broke a rule.
    let published = hub.get_json("/api/offers?page_size=1").await.1["meta"]["pagination"]["total"]
        .as_i64()
        .unwrap();
    assert_eq!(
        xml.matches("<learningOpportunity ").count() as i64,
        published
    );
    // The DCAT description names the current distribution and its checksum.
    let res = hub.get("/qdr/dcat.ttl").await;
    assert_eq!(res.status(), 200);
    let turtle = res.text().await.unwrap();
    let graph: Vec<_> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_reader(turtle.as_bytes())
        .collect::<Result<_, _>>()
        .expect("DCAT parses as Turtle");
    let current = format!("{}/qdr/learning-opportunities.xml", hub.url(""));
    assert!(graph
        .iter()
        .any(|q| q.subject.to_string() == format!("<{current}>")
            && q.predicate.as_str() == "http://www.w3.org/ns/dcat#downloadURL"));
    hub.stop().await;
}

/// Generated edge cases, straight through the writer: every language, no price, qualification
/// references (one shared by two offers), ESCO skills, several providers, one without a website,
/// one with a website the schema would refuse and one abroad, an outcome left blank, text with
/// markup and control characters.
#[test]
fn edge_cases_validate_against_the_xsd() {
    use rdf::elm::{Achievement, Address, LearningOpportunity, Mode, Organisation, Price, Text};
    let texts = |words: &str| -> Vec<Text> {
        ["pl", "en", "it", "el"]
            .iter()
            .map(|l| Text {
                language: l.to_string(),
                text: format!("{words} ({l}) <b>&amp;</b>\u{1}"),
            })
            .collect()
    };
    let provider = |n: u32, website: Option<&str>, country: &str| Organisation {
        id: format!("org {n}/../x"),
        legal_name: format!("Provider {n} & Co"),
        homepage: website.map(str::to_string),
        address: Some(Address {
            street: Some("ul. Długa 5".into()),
            postal_code: Some("00-001".into()),
            city: Some("Warszawa".into()),
            country: country.into(),
        }),
    };
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let offer = |n: u32| LearningOpportunity {
        id: format!("offer-{n}"),
        titles: texts("Title"),
        descriptions: texts("Description"),
        homepage: format!("https://hub.example/offers/offer-{n}"),
        provider: provider(
            n % 3,
            n.is_multiple_of(2).then_some("https://provider.example/"),
            "PL",
        ),
        default_language: ["pl", "en", "it", "el"][n as usize % 4].into(),
        languages: vec!["pl".into(), "en".into(), "it".into(), "el".into()],
        isced_f_code: Some("0413".into()),
        learning_outcomes: vec![texts("Outcome one"), texts("Outcome two")],
        esco_skills: vec![
            "http://data.europa.eu/esco/skill/58095196-d766-4a5c-b16c-d941489f8e66".into(),
            "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d".into(),
        ],
        achievement: Achievement::Specification { eqf_level: Some(5) },
        start_date: day,
        end_date: day + chrono::Duration::days(3),
        hours: 24,
        mode: [Mode::Onsite, Mode::Online, Mode::Hybrid, Mode::Blended][n as usize % 4],
        application_deadline: Some(day - chrono::Duration::days(7)),
        price: Some(Price {
            amount: "1200.50".into(),
            currency: "EUR".into(),
        }),
        location: Some(Address {
            street: None,
            postal_code: None,
            city: Some("Kraków".into()),
            country: "PL".into(),
        }),
        modified: chrono::Utc::now(),
        status: "published".into(),
    };
    let mut offers: Vec<LearningOpportunity> = (0..6).map(offer).collect();
    offers[1].price = None;
    offers[1].location = None;
    offers[1].application_deadline = None;
    offers[1].learning_outcomes.clear();
    offers[1].esco_skills.clear();
    for o in &mut offers[2..4] {
        o.achievement = Achievement::Reference {
            scheme: "PRK".into(),
            identifier: "https://qdr.example/qualification/42".into(),
        };
    }
    offers[4].location.as_mut().unwrap().country = "US".into();
    offers[4].provider = provider(7, Some("https://p.example/a%zz#x#y"), "GR");
    offers[4].achievement = Achievement::Reference {
        scheme: "EQF".into(),
        identifier: "QDR-7".into(),
    };
    offers[0].learning_outcomes[1] = texts("")
        .into_iter()
        .map(|t| Text {
            text: " ".into(),
            ..t
        })
        .collect();
    offers[5].achievement = Achievement::Specification { eqf_level: None };
    offers[5].hours = 0;
    let mut doc = rdf::loq::Courses::new(Vec::new(), "https://hub.example/").unwrap();
    for o in &offers {
        doc.add(o).unwrap();
    }
    let xml = String::from_utf8(doc.finish().unwrap()).unwrap();
    assert_eq!(xml.matches("<qualificationReference ").count(), 2);
    assert_eq!(xml.matches("<organisation ").count(), 4);
    assert_valid(&xml);
}

async fn an_offer_that_breaks_a_rule_is_named_not_published(backend: Backend) {
    let hub =
        TestHub::start_with(backend, &[("HUB_DEMO_DATA", "false"), DEBOUNCE], Vec::new()).await;
    let c = cast(&hub).await;
    // The rival provider's country is not known: LOQ wants every organisation located.
    hub.pool()
        .run(|conn| {
            use diesel::prelude::*;
            use hub::db::schema::organisations;
            diesel::update(
                organisations::table.filter(organisations::name.eq("Org of staff@rival.eu")),
            )
            .set(organisations::country.eq(None::<String>))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let call = Call { hub: &hub };
    let good = publish(&call, &c, draft(30)).await;
    let rivals = crate::offers::Cast {
        admin: c.admin.clone(),
        provider: c.other_provider.clone(),
        other_provider: c.provider.clone(),
        trainee: c.trainee.clone(),
        employer: c.employer.clone(),
    };
    let bad = publish(&call, &rivals, draft(31)).await;
    let (_, xml) = until(&hub, "the good offer is in", |x| x.contains(&good)).await;
    assert!(
        !xml.contains(&bad),
        "the offer that breaks a rule is not published"
    );
    assert_valid(&xml);
    let versions = history(&hub, &c.admin).await;
    let latest = &versions[0];
    assert_eq!(latest["offer_count"], 1);
    assert_eq!(latest["excluded"][0]["offer"], bad.as_str());
    assert_eq!(latest["excluded"][0]["field"], "provider.country");
    assert!(latest["notes"].as_str().unwrap().contains(&bad));
    hub.stop().await;
}

/// What the fake QDR saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    path_and_query: String,
    api_key: Option<String>,
    body: Value,
}

/// A contract fake of QDR's push endpoint: it refuses what QDR would (no key, wrong path, no
/// dataset, a body without the fields), and answers 500 to the first `failures` good requests.
struct FakeQdr {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: actix_web::dev::ServerHandle,
}

impl FakeQdr {
    async fn start(failures: usize) -> Self {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/europass/qdr", listener.local_addr().unwrap());
        let state = web::Data::new((seen.clone(), failures));
        let server = HttpServer::new(move || {
            App::new().app_data(state.clone()).route(
                "/europass/qdr/api/esco/qdr/api-key/dataset_versions",
                web::post().to(
                    |req: HttpRequest,
                     body: web::Bytes,
                     state: web::Data<(Arc<Mutex<Vec<Seen>>>, usize)>| async move {
                        let key = req
                            .headers()
                            .get("x-api-key")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let seen = Seen {
                            at: Instant::now(),
                            path_and_query: req.uri().to_string(),
                            api_key: key.clone(),
                            body: body.clone(),
                        };
                        let mut all = state.0.lock().unwrap();
                        all.push(seen);
                        if key.is_none() {
                            return HttpResponse::Unauthorized().body("no API key");
                        }
                        if !req.query_string().starts_with("masterDatasetUri=") {
                            return HttpResponse::BadRequest().body("masterDatasetUri missing");
                        }
                        let complete = [
                            "containsAccreditation",
                            "title_en",
                            "description_en",
                            "version",
                            "versionNotes_en",
                            "_links",
                        ]
                        .iter()
                        .all(|f| body.get(f).is_some());
                        if !complete {
                            return HttpResponse::BadRequest().body("fields missing");
                        }
                        if all.len() <= state.1 {
                            return HttpResponse::InternalServerError().body("QDR is down");
                        }
                        HttpResponse::Created()
                            .json(json!({"uri": "http://data.europa.eu/snb/dataset-version/1"}))
                    },
                ),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url,
            seen,
            server: handle,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn until(&self, n: usize) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let seen = self.seen();
            if seen.len() >= n {
                return seen;
            }
            assert!(
                Instant::now() < deadline,
                "QDR saw {} of {n} pushes",
                seen.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

const DATASET: &str = "http://data.europa.eu/snb/dataset/training-hub";

async fn versions_are_pushed_and_a_failed_push_is_retried(backend: Backend) {
    let qdr = FakeQdr::start(1).await;
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_DEMO_DATA", "false"),
            DEBOUNCE,
            ("HUB_QDR_URL", &qdr.url),
            ("HUB_QDR_API_KEY", "qdr-key-1"),
            ("HUB_QDR_DATASET_URI", DATASET),
        ],
        Vec::new(),
    )
    .await;
    let c = cast(&hub).await;
    let seen = qdr.until(2).await;
    let (first, retry) = (&seen[0], &seen[1]);
    assert_eq!(
        first.path_and_query,
        "/europass/qdr/api/esco/qdr/api-key/dataset_versions?masterDatasetUri=http%3A%2F%2Fdata.europa.eu%2Fsnb%2Fdataset%2Ftraining-hub"
    );
    assert_eq!(first.api_key.as_deref(), Some("qdr-key-1"));
    assert_eq!(first.body["containsAccreditation"], false);
    assert_eq!(first.body["version"], "1");
    assert!(first.body["title_en"]
        .as_str()
        .unwrap()
        .contains("Training Registry Hub"));
    assert_eq!(first.body["_links"]["mediaType"], "application/xml");
    let download = first.body["_links"]["download"]["href"].as_str().unwrap();
    assert_eq!(download, hub.url("/qdr/versions/1.xml"));
    assert_eq!(hub.get("/qdr/versions/1.xml").await.status(), 200);
    assert_eq!(retry.body, first.body, "the retry pushes the same version");
    let waited = retry.at - first.at;
    assert!(waited < Duration::from_secs(10), "retried after {waited:?}");

    // The history shows both attempts with QDR's answers.
    let deadline = Instant::now() + Duration::from_secs(10);
    let attempts = loop {
        let versions = history(&hub, &c.admin).await;
        let attempts = versions.last().unwrap()["attempts"]
            .as_array()
            .unwrap()
            .clone();
        if attempts.len() >= 2 || Instant::now() > deadline {
            break attempts;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(attempts[0]["status"], 500);
    assert_eq!(attempts[0]["ok"], false);
    assert_eq!(attempts[0]["response"], "QDR is down");
    assert_eq!(attempts[1]["status"], 201);
    assert_eq!(attempts[1]["ok"], true);

    // A superadmin pushes again; only a superadmin may.
    let repush = |token: &str| {
        hub.client
            .post(hub.url("/api/admin/qdr/versions/1/push"))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_eq!(repush(&c.provider).await.unwrap().status(), 403);
    assert_eq!(repush(&c.admin).await.unwrap().status(), 202);
    let again = qdr.until(3).await;
    assert_eq!(again[2].body["version"], "1");
    let missing = hub
        .client
        .post(hub.url("/api/admin/qdr/versions/77/push"))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    hub.stop().await;
    qdr.server.stop(true).await;
}

async fn a_push_that_failed_is_retried_after_a_restart(backend: Backend) {
    let qdr = FakeQdr::start(1).await;
    let settings = [
        ("HUB_DEMO_DATA", "false"),
        DEBOUNCE,
        ("HUB_QDR_URL", qdr.url.as_str()),
        ("HUB_QDR_API_KEY", "qdr-key-1"),
        ("HUB_QDR_DATASET_URI", DATASET),
    ];
    let hub = TestHub::start_with(backend, &settings, Vec::new()).await;
    qdr.until(1).await;
    // Stopped before the retry is due (two seconds after the failure).
    let hub = hub.restart_with(&settings).await;
    let seen = qdr.until(2).await;
    assert_eq!(
        seen[1].body["version"], "1",
        "the same version, pushed again"
    );
    hub.stop().await;
    qdr.server.stop(true).await;
}

async fn configuring_qdr_later_pushes_the_latest_version(backend: Backend) {
    let qdr = FakeQdr::start(0).await;
    let hub =
        TestHub::start_with(backend, &[("HUB_DEMO_DATA", "false"), DEBOUNCE], Vec::new()).await;
    until(&hub, "the first version exists", |_| true).await;
    let hub = hub
        .restart_with(&[
            ("HUB_DEMO_DATA", "false"),
            DEBOUNCE,
            ("HUB_QDR_URL", qdr.url.as_str()),
            ("HUB_QDR_API_KEY", "qdr-key-1"),
            ("HUB_QDR_DATASET_URI", DATASET),
        ])
        .await;
    let seen = qdr.until(1).await;
    assert_eq!(seen[0].body["version"], "1", "the version QDR never had");
    hub.stop().await;
    qdr.server.stop(true).await;
}

async fn without_settings_qdr_is_never_called(backend: Backend) {
    let qdr = FakeQdr::start(0).await;
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_DEMO_DATA", "false"),
            DEBOUNCE,
            ("HUB_QDR_DOWNLOAD_URL", &qdr.url),
        ],
        Vec::new(),
    )
    .await;
    let c = cast(&hub).await;
    until(&hub, "the first version exists", |_| true).await;
    let call = Call { hub: &hub };
    let id = publish(&call, &c, draft(30)).await;
    until(&hub, "the offer is in", |x| x.contains(&id)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(qdr.seen().is_empty());
    let queued: i64 = hub
        .pool()
        .run(|conn| {
            use diesel::prelude::*;
            use hub::db::schema::deliveries;
            Ok(deliveries::table
                .filter(deliveries::consumer.eq("qdr"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(queued, 0, "nothing waits to be pushed");
    let subscribed: i64 = hub
        .pool()
        .run(|conn| {
            use diesel::prelude::*;
            use hub::db::schema::subscriptions;
            Ok(subscriptions::table
                .filter(subscriptions::consumer.eq("qdr"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(subscribed, 0, "no pusher listens");
    let repush = hub
        .client
        .post(hub.url("/api/admin/qdr/versions/1/push"))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(repush.status(), 409);
    hub.stop().await;
    qdr.server.stop(true).await;
}
