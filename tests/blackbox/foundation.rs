//! The foundation (issue 2), through a real hub on a real database of each backend: health and
//! readiness, migrations and demo data across two starts, the offers read API with paging and
//! errors, and graceful shutdown.

use std::collections::HashSet;

use crate::support::{Backend, TestDb, TestHub};
use hub::db;

crate::both_backends!(
    health_readiness_and_metrics,
    readiness_fails_without_migrations,
    openapi_covers_every_api_route,
    migrations_and_demo_data_are_idempotent_across_two_starts,
    offers_page_through_the_whole_catalogue,
    offers_sort_and_filter,
    offer_detail_has_an_etag_and_honours_if_none_match,
    bad_parameters_get_400_problems_naming_the_field,
    unknown_and_unpublished_offers_get_404_problems,
    pages_render_the_catalogue_and_error_pages,
    graceful_shutdown_lets_an_in_flight_request_finish,
    a_request_over_the_time_limit_gets_503,
    https_base_urls_get_hsts,
);

async fn health_readiness_and_metrics(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let (status, body) = hub.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));

    let (status, body) = hub.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["migrations"], true);
    assert_eq!(body["chamilo"], "off", "said, and no fault");
    assert_eq!(body["qdr_push"], "off");
    let expected = if backend == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(body["backend"], expected);

    let res = hub.get("/healthz").await;
    let headers = res.headers();
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    assert!(headers.contains_key("x-request-id"));
    assert!(
        !headers.contains_key("strict-transport-security"),
        "no HSTS over plain http"
    );
    assert!(
        !headers.contains_key("access-control-allow-origin"),
        "CORS only on public reads"
    );
    let offers = hub
        .client
        .get(hub.url("/api/offers"))
        .header("origin", "https://portal.example")
        .send()
        .await
        .unwrap();
    assert_eq!(offers.headers()["access-control-allow-origin"], "*");
    let preflight = hub
        .client
        .request(reqwest::Method::OPTIONS, hub.url("/api/offers"))
        .header("origin", "https://portal.example")
        .header("access-control-request-headers", "x-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("X-Api-Key"));
    let private = hub
        .client
        .get(hub.url("/api/me"))
        .header("origin", "https://portal.example")
        .send()
        .await
        .unwrap();
    assert!(!private
        .headers()
        .contains_key("access-control-allow-origin"));
    let echoed = hub
        .client
        .get(hub.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");

    hub.get("/api/offers/00000000-0000-0000-0000-000000000000")
        .await;
    // Work the hub does at start (its first QDR dataset version) appends an event; the
    // projections have caught up with it once they report no lag.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let metrics = loop {
        let metrics = hub.get("/metrics").await.text().await.unwrap();
        if metrics.contains(r#"hub_catalogue{what="events_behind"} 0"#)
            || std::time::Instant::now() > deadline
        {
            break metrics;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        metrics
            .contains(r#"hub_http_requests_total{method="GET",route="/healthz",status="200"} 3"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/api/offers/{id}",status="404""#),
        "ids never become labels"
    );
    assert!(metrics.contains("hub_http_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"hub_db_pool_connections{state="max"} 4"#));
    assert!(metrics.contains(r#"hub_outbox_deliveries{status="pending"} 0"#));
    let (_, all) = hub.get_json("/api/offers?page_size=1").await;
    let offers = all["meta"]["pagination"]["total"].as_i64().unwrap();
    assert!(
        metrics.contains(&format!(r#"hub_catalogue{{what="offers"}} {offers}"#)),
        "{metrics}"
    );
    assert!(metrics.contains(r#"hub_catalogue{what="events_behind"} 0"#));
    hub.stop().await;
}

async fn readiness_fails_without_migrations(backend: Backend) {
    let test_db = TestDb::new(backend);
    let config = test_db.config(&[]);
    let pool = hub::db::Db::connect(&config.database_url, 2).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hub = TestHub::serve_on(listener, test_db, config, pool, Vec::new()).await;
    let (status, body) = hub.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(body["database"], true);
    assert_eq!(body["migrations"], false);
    assert_eq!(body["catalogue"], false);
    assert_eq!(body["linked_data"], false);
    let (status, _) = hub.get_json("/api/offers").await;
    assert_eq!(status, 503, "no catalogue to search yet");
    // Once the database is migrated, the hub loads its catalogue by itself and becomes ready.
    hub.pool().run(hub::db::migrate).await.unwrap();
    let waited = std::time::Instant::now();
    loop {
        let (status, body) = hub.get_json("/readyz").await;
        if status == 200 {
            assert_eq!(body["catalogue"], true);
            assert_eq!(body["linked_data"], true);
            break;
        }
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(5),
            "{body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(hub.get_json("/api/offers").await.0, 200);
    hub.stop().await;
}

async fn openapi_covers_every_api_route(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let (status, doc) = hub.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let api_routes: Vec<_> = hub::http::routes::TABLE
        .iter()
        .filter(|(_, path)| {
            path.starts_with("/api/") || ["/healthz", "/readyz", "/metrics"].contains(path)
        })
        .collect();
    assert!(api_routes.len() >= 6);
    for (method, path) in api_routes {
        let entry = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from OpenAPI"));
        assert!(
            entry.get(method.to_lowercase()).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    // The Offer schema is its own properties plus the flattened OfferText.
    let schemas = &doc["components"]["schemas"];
    let mut properties = HashSet::new();
    for part in schemas["Offer"]["allOf"]
        .as_array()
        .expect("Offer is allOf")
    {
        let part = match part["$ref"].as_str() {
            Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
            None => part,
        };
        properties.extend(part["properties"].as_object().unwrap().keys().cloned());
    }
    for field in [
        "id",
        "version",
        "title",
        "translations",
        "price",
        "eqf_level",
        "provider",
    ] {
        assert!(properties.contains(field), "Offer schema lacks {field}");
    }
    hub.stop().await;
}

fn count(conn: &mut db::DbConnection, table: &str) -> i64 {
    use diesel::prelude::*;
    use hub::db::schema::*;
    match table {
        "offers" => offers::table.count().get_result(conn).unwrap(),
        "users" => users::table.count().get_result(conn).unwrap(),
        "organisations" => organisations::table.count().get_result(conn).unwrap(),
        "events" => events::table.count().get_result(conn).unwrap(),
        other => panic!("no count for {other}"),
    }
}

async fn migrations_and_demo_data_are_idempotent_across_two_starts(backend: Backend) {
    let test_db = TestDb::new(backend);
    let config = test_db.config(&[]);

    let (pool, credentials) = hub::server::prepare(&config).await.unwrap();
    let credentials = credentials.expect("the first start creates demo data");
    let roles: HashSet<_> = credentials.iter().map(|c| c.role).collect();
    for role in [
        "superadmin",
        "provider staff",
        "employer staff",
        "trainer",
        "trainee",
    ] {
        assert!(roles.contains(role), "no demo {role}");
    }
    let printed = credentials
        .iter()
        .find(|c| c.role == "superadmin")
        .unwrap()
        .password
        .clone();
    let mut conn = pool.get().unwrap();
    let first = ["offers", "users", "organisations", "events"].map(|t| count(&mut conn, t));
    assert!(first[0] >= 30, "at least 30 demo offers, got {}", first[0]);
    drop(conn);
    drop(pool);

    let (pool, credentials) = hub::server::prepare(&config).await.unwrap();
    assert!(
        credentials.is_none(),
        "the second start must not create demo data again"
    );
    let mut conn = pool.get().unwrap();
    assert_eq!(
        db::migrate(&mut conn).unwrap(),
        0,
        "no migration runs twice"
    );
    assert!(
        hub::demo::ensure(&mut conn).unwrap().is_none(),
        "`hub demo-data` is idempotent"
    );
    let second = ["offers", "users", "organisations", "events"].map(|t| count(&mut conn, t));
    assert_eq!(first, second);

    // The printed password is the one stored (as an argon2id hash), and only it verifies.
    use diesel::prelude::*;
    use hub::db::schema::users;
    let hash: Option<String> = users::table
        .filter(users::email.eq("admin@demo.example"))
        .select(users::password_hash)
        .first(&mut conn)
        .unwrap();
    let hash = hash.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(hub::domain::accounts::verify_password(&printed, &hash));
    assert!(!hub::domain::accounts::verify_password(
        "not-the-password-1!",
        &hash
    ));

    // The catalogue spans the four languages, VR/AR and micro-credentials.
    let offers = hub::domain::offers::published_batch(&mut conn, None, 100).unwrap();
    let defaults: HashSet<_> = offers.iter().map(|o| o.default_language.as_str()).collect();
    assert_eq!(defaults, HashSet::from(["en", "pl", "it", "el"]));
    assert!(
        offers.iter().all(|o| o.translations.len() == 3),
        "every offer in all four languages"
    );
    assert!(offers.iter().any(|o| o.vr_ar) && offers.iter().any(|o| o.microcredential));
    let cities: HashSet<_> = offers
        .iter()
        .filter_map(|o| o.address.as_ref()?.city.clone())
        .collect();
    assert!(cities.len() >= 8, "offers across cities: {cities:?}");
    let industries: HashSet<_> = offers.iter().map(|o| o.industry.as_str()).collect();
    assert!(industries.len() >= 5);
    for o in &offers {
        assert!(o
            .esco_skills
            .iter()
            .all(|uri| rdf::vocab::is_esco_skill_uri(uri)));
        assert!(o
            .isced_f_code
            .as_deref()
            .is_some_and(rdf::vocab::is_isced_f_code));
    }
}

async fn offers_page_through_the_whole_catalogue(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let (status, first) = hub.get_json("/api/offers?page_size=7").await;
    assert_eq!(status, 200);
    let total = first["meta"]["pagination"]["total"].as_i64().unwrap();
    assert!(total >= 30);
    assert_eq!(first["meta"]["pagination"]["page_size"], 7);
    assert_eq!(first["meta"]["pagination"]["page"], 1);

    let mut seen = HashSet::new();
    let pages = (total + 6) / 7;
    for page in 1..=pages {
        let (_, body) = hub
            .get_json(&format!("/api/offers?page_size=7&page={page}"))
            .await;
        let data = body["data"].as_array().unwrap();
        let expected = if page < pages {
            7
        } else {
            total - 7 * (pages - 1)
        };
        assert_eq!(data.len() as i64, expected, "page {page}");
        for offer in data {
            assert_eq!(offer["status"], "published");
            assert!(
                seen.insert(offer["id"].as_str().unwrap().to_string()),
                "pages overlap"
            );
        }
    }
    assert_eq!(seen.len() as i64, total);
    let (_, beyond) = hub
        .get_json(&format!("/api/offers?page_size=7&page={}", pages + 1))
        .await;
    assert_eq!(beyond["data"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["meta"]["pagination"]["total"], total);

    // The default page size is 20.
    let (_, default) = hub.get_json("/api/offers").await;
    assert_eq!(default["data"].as_array().unwrap().len(), 20);
    assert_eq!(default["meta"]["pagination"]["page_size"], 20);
    hub.stop().await;
}

async fn offers_sort_and_filter(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let (_, body) = hub
        .get_json("/api/offers?sort=start_date:desc&page_size=100")
        .await;
    let dates: Vec<String> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["start_date"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);

    let (_, body) = hub.get_json("/api/offers?vr_ar=true&page_size=100").await;
    let vr = body["data"].as_array().unwrap();
    // Facets count the whole filtered set, whatever the page.
    let (_, small_page) = hub.get_json("/api/offers?vr_ar=true&page_size=1").await;
    let facets = &small_page["meta"]["facets"];
    let sum = |name: &str| -> i64 {
        facets[name]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum("industry"), vr.len() as i64);
    assert_eq!(sum("mode"), vr.len() as i64);
    for o in vr {
        let industry = o["industry"].as_str().unwrap();
        let expected = vr.iter().filter(|x| x["industry"] == industry).count() as i64;
        assert_eq!(facets["industry"][industry], expected, "{industry}");
    }
    let languages: i64 = vr
        .iter()
        .map(|o| o["languages"].as_array().unwrap().len() as i64)
        .sum();
    assert_eq!(sum("language"), languages);
    assert!(!vr.is_empty());
    assert!(vr.iter().all(|o| o["vr_ar"] == true));
    assert_eq!(
        body["meta"]["pagination"]["total"].as_u64().unwrap() as usize,
        vr.len()
    );

    let (_, body) = hub
        .get_json("/api/offers?country=GR&language=el&page_size=100")
        .await;
    let greek = body["data"].as_array().unwrap();
    assert!(!greek.is_empty());
    for o in greek {
        assert_eq!(o["address"]["country"], "GR");
        assert!(o["languages"].as_array().unwrap().contains(&"el".into()));
        assert_eq!(o["default_language"], "el");
        assert!(o["translations"]["en"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
    }
    hub.stop().await;
}

async fn offer_detail_has_an_etag_and_honours_if_none_match(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let (_, list) = hub
        .get_json("/api/offers?page_size=1&microcredential=true")
        .await;
    let listed = &list["data"][0];
    let id = listed["id"].as_str().unwrap();

    let res = hub.get(&format!("/api/offers/{id}")).await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let offer: serde_json::Value = res.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", offer["version"]));
    assert_eq!(&offer, listed, "detail and list show the same offer");
    assert_eq!(offer["microcredential"], true);
    assert!(offer["price"]["amount"].as_str().unwrap().contains('.'));
    assert!(["PLN", "EUR"].contains(&offer["price"]["currency"].as_str().unwrap()));
    assert!(offer["provider"]["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));

    let res = hub
        .client
        .get(hub.url(&format!("/api/offers/{id}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = hub
        .client
        .get(hub.url(&format!("/api/offers/{id}")))
        .header("if-none-match", "\"999\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    hub.stop().await;
}

async fn bad_parameters_get_400_problems_naming_the_field(backend: Backend) {
    let hub = TestHub::start(backend).await;
    for (query, field) in [
        ("page_size=1000", "page_size"),
        ("page_size=0", "page_size"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("sort=colour:asc", "sort"),
        ("sort=price:sideways", "sort"),
        ("eqf_level=9", "eqf_level"),
        ("mode=telepathy", "mode"),
        ("vr_ar=maybe", "vr_ar"),
        ("starts_after=tomorrow", "starts_after"),
        ("favourite=1", "favourite"),
    ] {
        let res = hub.get(&format!("/api/offers?{query}")).await;
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{query}");
        assert_eq!(body["status"], 400);
        assert_eq!(body["type"], format!("{}/problems/validation", hub.base));
    }
    // Every bad field is named, not just the first.
    let (_, body) = hub.get_json("/api/offers?page=0&page_size=500").await;
    let fields: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(fields, ["page", "page_size"]);
    hub.stop().await;
}

async fn unknown_and_unpublished_offers_get_404_problems(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let res = hub
        .get(&format!("/api/offers/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("{}/problems/not-found", hub.base));

    // A draft is not public: it answers exactly like an offer that does not exist.
    let pool = hub.pool();
    let draft = pool.run(crate::outbox::create_draft).await.unwrap();
    let (status, _) = hub.get_json(&format!("/api/offers/{draft}")).await;
    assert_eq!(status, 404);
    let (_, list) = hub.get_json("/api/offers?page_size=100").await;
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["id"] != draft.as_str()));

    let (status, body) = hub.get_json("/api/no-such-thing").await;
    assert_eq!((status, body["status"].as_u64()), (404, Some(404)));
    hub.stop().await;
}

async fn pages_render_the_catalogue_and_error_pages(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let res = hub.get("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Skip to content"));
    // The visitor reads English, so the page shows each offer's English text.
    let (_, list) = hub.get_json("/api/offers?page_size=1&lang=en").await;
    let title = list["data"][0]["title"].as_str().unwrap();
    assert!(
        html.contains(title),
        "the catalogue page lists the first offer in the visitor's language"
    );

    // The page searches too: the box shows the query (escaped), the pages keep it.
    let found = hub
        .get("/?q=python%20%3Cb%3E&page_size=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains(r#"value="python &#60;b&#62;""#)
            || found.contains(r#"value="python &lt;b&gt;""#),
        "{found}"
    );
    let found = hub
        .get("/?q=python&page_size=1")
        .await
        .text()
        .await
        .unwrap();
    let (_, python) = hub.get_json("/api/offers?q=python&lang=en").await;
    let python_title = python["data"][0]["title"].as_str().unwrap();
    assert!(found.contains(python_title));
    assert!(!found.contains(title) || title == python_title);
    assert!(
        found.contains("href=\"/?q=python&amp;page=2\"")
            || found.contains("href=\"/?q=python&#38;page=2\""),
        "{found}"
    );

    let id = list["data"][0]["id"].as_str().unwrap();
    let page = hub
        .get(&format!("/offers/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<h1>{title}</h1>")));

    let res = hub
        .client
        .get(hub.url("/offers/missing"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("<h1>Not found</h1>"));
    let polish = hub
        .client
        .get(hub.url("/offers/missing"))
        .header("accept", "text/html")
        .header("accept-language", "pl-PL,pl;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(polish.contains("<html lang=\"pl\">") && polish.contains("<h1>Nie znaleziono</h1>"));
    hub.stop().await;
}

async fn graceful_shutdown_lets_an_in_flight_request_finish(backend: Backend) {
    let hub = TestHub::start_with(backend, &[("HUB_DB_POOL_SIZE", "1")], Vec::new()).await;
    let pool = hub.pool();
    // Hold the only database connection, so the next request waits inside the hub.
    let held = tokio::task::spawn_blocking(move || pool.get().unwrap())
        .await
        .unwrap();
    let client = hub.client.clone();
    let url = hub.url("/api/offers?page_size=3");
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !in_flight.is_finished(),
        "the request is waiting for the database"
    );

    let TestHub {
        running,
        base,
        db: _db,
        ..
    } = hub;
    let stopping = tokio::spawn(running.unwrap().stop());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let addr = base.trim_start_matches("http://").to_string();
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "a stopping hub accepts no new connections"
    );
    assert!(
        !stopping.is_finished(),
        "the hub waits for the request in flight"
    );

    drop(held);
    let res = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["data"].as_array().unwrap().len(), 3);
    tokio::time::timeout(std::time::Duration::from_secs(10), stopping)
        .await
        .expect("the hub stops once the request is done")
        .unwrap();
}

async fn a_request_over_the_time_limit_gets_503(backend: Backend) {
    let settings = [("HUB_DB_POOL_SIZE", "1"), ("HUB_REQUEST_TIMEOUT_SECS", "1")];
    let hub = TestHub::start_with(backend, &settings, Vec::new()).await;
    let pool = hub.pool();
    let held = tokio::task::spawn_blocking(move || pool.get().unwrap())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let res = hub.get("/api/offers").await;
    assert_eq!(res.status(), 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("{}/problems/timeout", hub.base));
    drop(held);
    let (status, _) = hub.get_json("/api/offers").await;
    assert_eq!(status, 200, "the hub recovers once the database is free");
    hub.stop().await;
}

async fn https_base_urls_get_hsts(backend: Backend) {
    let settings = [
        ("HUB_BASE_URL", "https://registry.example.eu/"),
        ("HUB_DEMO_DATA", "false"),
    ];
    let hub = TestHub::start_with(backend, &settings, Vec::new()).await;
    let res = hub.get("/healthz").await;
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    let (_, body) = hub.get_json("/api/offers/nope").await;
    assert_eq!(
        body["type"],
        "https://registry.example.eu/problems/not-found"
    );
    hub.stop().await;
}
