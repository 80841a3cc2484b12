//! Catalogue search (issue 4, part 6): the projection answers text queries in every language,
//! filters, sorts and counts facets; an approval or withdrawal shows at once through the cache;
//! other instances follow by tailing the events; a restart rebuilds the same answers.

use serde_json::{json, Value};

use crate::offers::{cast, draft, publish, withdraw, Call};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    polish_text_search_finds_an_approved_offer_with_and_without_diacritics,
    a_restarted_hub_rebuilds_the_same_search_results,
    another_instance_sees_approvals_within_a_second,
    prices_ratings_titles_and_cities_filter_and_sort,
    bad_search_parameters_are_named,
);

fn forklift_course() -> Value {
    let mut body = draft(40);
    body["title"] = json!("Obsługa wózków widłowych w magazynie");
    body["description"] = json!("Bezpieczna jazda, załadunek i przeglądy. Zajęcia w Łodzi.");
    body["industry"] = json!("logistics");
    body["address"] = json!({ "city": "Łódź", "country": "PL" });
    body["mode"] = json!("onsite");
    body
}

async fn ids(hub: &TestHub, query: &str) -> (Vec<String>, Value) {
    let (status, body) = hub.get_json(&format!("/api/offers?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    let ids = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    (ids, body)
}

async fn polish_text_search_finds_an_approved_offer_with_and_without_diacritics(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let generation = || hub.running.as_ref().unwrap().state.catalogue.generation();
    let before = generation();
    let (_, _, offer) = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(forklift_course()),
        )
        .await;
    let id = offer["id"].as_str().unwrap().to_string();
    call.send(
        "POST",
        &format!("/api/offers/{id}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;

    // Not public while it waits for review; this empty answer is now in the cache, which
    // writing a draft and submitting it did not touch.
    let (found, _) = ids(&hub, "q=wózków").await;
    assert!(found.is_empty());
    assert_eq!(generation(), before, "nothing public changed");

    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/admin/offers/{id}/approve"),
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    // Visible at once: no waiting, and not the cached empty answer.
    for q in [
        "q=wózków",
        "q=wozkow",
        "q=WÓZKÓW%20widłowych",
        "q=wozkow+widlowych+magazynie",
    ] {
        let (found, _) = ids(&hub, q).await;
        assert_eq!(found, vec![id.clone()], "{q}");
    }
    // Polish is stemmed: other forms of the words find it too.
    let (found, _) = ids(&hub, "q=wózkami+widłowego+magazynu").await;
    assert_eq!(found, vec![id.clone()]);
    // The city (a demo offer is there too) matches however it is typed.
    let (lodz, _) = ids(&hub, "q=lodz").await;
    assert!(lodz.contains(&id));
    assert_eq!(ids(&hub, "q=ŁÓDŹ").await.0, lodz);
    // Every word must match: a word the offer lacks finds nothing.
    let (found, _) = ids(&hub, "q=wozkow+python").await;
    assert!(found.is_empty());

    // Facets count it, over the whole match set and with the text query.
    let (_, body) = ids(&hub, "q=wozkow").await;
    assert_eq!(body["meta"]["pagination"]["total"], 1);
    assert_eq!(
        body["meta"]["facets"]["industry"],
        json!({ "logistics": 1 })
    );
    assert_eq!(body["meta"]["facets"]["mode"], json!({ "onsite": 1 }));
    assert_eq!(body["meta"]["facets"]["language"], json!({ "pl": 1 }));
    assert_eq!(body["meta"]["facets"]["eqf_level"], json!({ "5": 1 }));
    let (_, everything) = ids(&hub, "page_size=1").await;
    assert_eq!(everything["meta"]["facets"]["industry"]["logistics"], 1);
    // Filters combine with the text; the English translation is searchable too.
    let (found, _) = ids(&hub, "q=wozkow&mode=online").await;
    assert!(found.is_empty());
    let (found, _) = ids(&hub, "q=pivot+charts&industry=logistics").await;
    assert_eq!(found, vec![id.clone()]);

    // Greek and Italian demo offers, without accents and with another word form.
    let (greek, _) = ids(&hub, "q=υπολογιστικα+φυλλα&page_size=100").await;
    let (greek_accented, _) = ids(&hub, "q=Υπολογιστικά+Φύλλα&page_size=100").await;
    assert!(!greek.is_empty());
    assert_eq!(greek, greek_accented);
    let (italian, _) = ids(&hub, "q=processo+aziendale&page_size=100").await;
    assert!(!italian.is_empty(), "stemming: processi aziendali");

    // The list has a validator: the same answer again is a 304.
    let res = hub.get("/api/offers?q=wozkow").await;
    let tag = res.headers()["etag"].to_str().unwrap().to_string();
    let again = hub
        .client
        .get(hub.url("/api/offers?q=wozkow"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // Browsers get the same answer compressed (once, then from the cache).
    let plain: Value = hub.get("/api/offers?q=wozkow").await.json().await.unwrap();
    for _ in 0..2 {
        let zipped = hub
            .client
            .get(hub.url("/api/offers?q=wozkow"))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["etag"].to_str().unwrap(), tag);
        let bytes = zipped.bytes().await.unwrap();
        let mut json = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut json)
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), plain);
    }

    // Withdrawn: gone from the search at once, and its detail is no longer public.
    assert_eq!(withdraw(&call, &c, &id).await, 200);
    let (found, _) = ids(&hub, "q=wozkow").await;
    assert!(found.is_empty());
    let again = hub
        .client
        .get(hub.url("/api/offers?q=wozkow"))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200, "a changed answer is not 304");
    let (status, _) = hub.get_json(&format!("/api/offers/{id}")).await;
    assert_eq!(status, 404);
    hub.stop().await;
}

async fn a_restarted_hub_rebuilds_the_same_search_results(backend: Backend) {
    let hub = TestHub::start(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    publish(&call, &c, forklift_course()).await;
    let queries = [
        "page_size=100",
        "q=wozkow",
        "q=arkusze&lang=pl",
        "q=python&sort=start_date:desc",
        "q=φύλλα",
        "industry=IT&sort=price:desc",
        "city=lodz",
        "language=el&sort=title:asc&lang=el",
        "vr_ar=true&page=2&page_size=3",
    ];
    let mut before = Vec::new();
    for q in queries {
        before.push(ids(&hub, q).await);
    }
    let hub = hub.restart().await;
    for (q, (ids_before, body_before)) in queries.iter().zip(before) {
        let (ids_after, body_after) = ids(&hub, q).await;
        assert_eq!(ids_after, ids_before, "{q}");
        assert_eq!(body_after["meta"], body_before["meta"], "{q}");
    }
    hub.stop().await;
}

async fn another_instance_sees_approvals_within_a_second(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    // A second hub on the same database (and data directory), polling as production does.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other_base = format!("http://{}", listener.local_addr().unwrap());
    let config = hub
        .db
        .config(&[("HUB_OUTBOX_POLL_MS", "500"), ("HUB_DEMO_DATA", "false")]);
    let (pool, _) = hub::server::prepare(&config).await.unwrap();
    let other = hub::server::start(config, pool, Some(listener), Vec::new())
        .await
        .unwrap();
    let search = |q: &'static str| {
        let url = format!("{other_base}/api/offers?{q}");
        let client = hub.client.clone();
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            body["meta"]["pagination"]["total"].as_i64().unwrap()
        }
    };
    assert_eq!(search("q=wozkow").await, 0);

    let id = publish(&call, &c, forklift_course()).await;
    let approved = std::time::Instant::now();
    while search("q=wozkow").await == 0 {
        assert!(
            approved.elapsed() < std::time::Duration::from_millis(1500),
            "the other instance did not see the approval"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // And the withdrawal.
    assert_eq!(withdraw(&call, &c, &id).await, 200);
    let withdrawn = std::time::Instant::now();
    while search("q=wozkow").await == 1 {
        assert!(withdrawn.elapsed() < std::time::Duration::from_millis(1500));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    other.stop().await;
    hub.stop().await;
}

async fn prices_ratings_titles_and_cities_filter_and_sort(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let mut made = Vec::new();
    for (title, amount, currency, city) in [
        ("Zarządzanie zespołem", "900.00", "PLN", "Łódź"),
        ("Agile coaching", "250.50", "EUR", "Athens"),
        ("Łagodzenie konfliktów", "1500.00", "PLN", "Kraków"),
    ] {
        let mut body = draft(30);
        body["title"] = json!(title);
        body["price"] = json!({ "amount": amount, "currency": currency });
        body["mode"] = json!("onsite");
        body["address"] = json!({ "city": city, "country": "PL" });
        made.push(publish(&call, &c, body).await);
    }
    let (found, _) = ids(
        &hub,
        "price_min=900&price_max=1500&currency=PLN&sort=price:asc",
    )
    .await;
    assert_eq!(found, vec![made[0].clone(), made[2].clone()]);
    let (found, _) = ids(&hub, "price_max=900.00&sort=price:desc").await;
    assert_eq!(found, vec![made[0].clone(), made[1].clone()]);
    let (found, _) = ids(&hub, "price_min=250.51").await;
    assert_eq!(found.len(), 2);
    // Titles sort folded: "Łagodzenie" between "Agile" and "Zarządzanie".
    let (found, _) = ids(&hub, "sort=title:asc").await;
    assert_eq!(
        found,
        vec![made[1].clone(), made[2].clone(), made[0].clone()]
    );
    let (found, _) = ids(&hub, "city=KRAKOW").await;
    assert_eq!(found, vec![made[2].clone()]);

    // Rated offers come first by their average, unrated ones last, in both directions; a new
    // rating changes the order at once.
    for (offer, stars) in [(&made[2], 2), (&made[1], 5)] {
        let application = crate::applications::accepted(&call, &c, offer).await;
        let (status, _, _) = call
            .send(
                "POST",
                &format!("/api/applications/{application}/complete"),
                Some(&c.provider),
                None,
                None,
            )
            .await;
        assert_eq!(status, 200);
        let rating = json!({ "service": { "stars": stars }, "provider": { "stars": 4 }, "trainer": { "stars": 4 } });
        let (status, _, _) = call
            .send(
                "POST",
                &format!("/api/offers/{offer}/ratings"),
                Some(&c.trainee),
                None,
                Some(rating),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (found, body) = ids(&hub, "sort=rating:desc").await;
    assert_eq!(
        found,
        vec![made[1].clone(), made[2].clone(), made[0].clone()]
    );
    assert_eq!(body["data"][0]["rating"]["average"], 5.0);
    let (found, _) = ids(&hub, "sort=rating:asc").await;
    assert_eq!(
        found,
        vec![made[2].clone(), made[1].clone(), made[0].clone()]
    );
    hub.stop().await;
}

async fn bad_search_parameters_are_named(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    for (query, field) in [
        ("price_min=-1", "price_min"),
        ("price_max=12.3456789", "price_max"),
        ("price_min=abc", "price_min"),
        ("currency=EURO", "currency"),
        ("sort=relevance:desc", "sort"),
        ("sort=rating:sideways", "sort"),
    ] {
        let (status, body) = hub.get_json(&format!("/api/offers?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    let long = "a".repeat(201);
    let (status, body) = hub.get_json(&format!("/api/offers?q={long}")).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "q");
    // Relevance is a valid order once there is a query.
    let (status, _) = hub
        .get_json("/api/offers?q=excel&sort=relevance:desc")
        .await;
    assert_eq!(status, 200);
    hub.stop().await;
}
