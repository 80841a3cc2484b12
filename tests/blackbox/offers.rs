//! The offer workflow through the API (issue 4, first part): provider staff create, edit with
//! `If-Match`, submit and withdraw; superadmins approve or reject; the public sees only what is
//! published, and a published offer's edits wait for approval as a revision.

use serde_json::{json, Value};

use crate::identity::{bearer, person};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    an_offer_goes_from_draft_to_published_and_revisions_wait_for_approval,
    every_role_but_the_providers_staff_is_refused,
    concurrent_edits_with_the_same_etag_let_exactly_one_through,
    withdrawal_is_refused_within_a_day_of_the_start,
    ended_offers_are_archived,
);

pub fn draft(start_in_days: i64) -> Value {
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(start_in_days);
    json!({
        "default_language": "pl",
        "title": "Analiza danych w Excelu",
        "description": "Tabele przestawne, wykresy i raporty.",
        "translations": { "en": { "title": "Data analysis in Excel", "description": "Pivot tables, charts and reports.",
                                  "learning_outcomes": [], "acquired_documents": [] } },
        "industry": "finance", "isced_f_code": "0411", "languages": ["pl"], "mode": "online",
        "start_date": start, "end_date": start + chrono::Duration::days(2), "hours": 16,
        "price": { "amount": "1200.50", "currency": "PLN" }, "eqf_level": 5,
        "min_participants": 3, "max_participants": 12,
    })
}

pub struct Call<'a> {
    pub hub: &'a TestHub,
}

impl Call<'_> {
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let mut req = self
            .hub
            .client
            .request(method.parse().unwrap(), self.hub.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(m) = if_match {
            req = req.header("if-match", m);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let etag = res
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (status, etag, res.json().await.unwrap_or(Value::Null))
    }
}

pub struct Cast {
    pub admin: String,
    pub provider: String,
    pub other_provider: String,
    pub trainee: String,
    pub employer: String,
}

/// The cast's employer invites the cast's trainee as an employee, who accepts.
pub async fn employ_trainee(call: &Call<'_>, c: &Cast) {
    let (_, _, me) = call
        .send("GET", "/api/me", Some(&c.employer), None, None)
        .await;
    let employer = me["memberships"][0]["organisation_id"].as_str().unwrap();
    let invite = format!("/api/organisations/{employer}/employees");
    let body = json!({ "email": "trainee@example.eu" });
    let (status, _, _) = call
        .send("POST", &invite, Some(&c.employer), None, Some(body))
        .await;
    assert_eq!(status, 202);
    let accept = format!("{invite}/accept");
    let (status, _, _) = call
        .send("POST", &accept, Some(&c.trainee), None, None)
        .await;
    assert_eq!(status, 204);
}

pub async fn cast(hub: &TestHub) -> Cast {
    person(hub, "root@example.eu", &["superadmin"], None).await;
    person(hub, "staff@provider.eu", &[], Some("provider")).await;
    person(hub, "staff@rival.eu", &[], Some("provider")).await;
    person(hub, "trainee@example.eu", &["trainee"], None).await;
    person(hub, "staff@employer.eu", &[], Some("employer")).await;
    Cast {
        admin: bearer(hub, "root@example.eu").await,
        provider: bearer(hub, "staff@provider.eu").await,
        other_provider: bearer(hub, "staff@rival.eu").await,
        trainee: bearer(hub, "trainee@example.eu").await,
        employer: bearer(hub, "staff@employer.eu").await,
    }
}

async fn an_offer_goes_from_draft_to_published_and_revisions_wait_for_approval(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };

    let mut bad = draft(30);
    bad["eqf_level"] = json!(9);
    bad["price"] = json!({ "amount": "12.345", "currency": "PLN" });
    bad["max_participants"] = json!(1);
    bad.as_object_mut().unwrap().remove("title");
    let (status, _, problem) = call
        .send("POST", "/api/offers", Some(&c.provider), None, Some(bad))
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title"], "missing required fields are named first");

    let mut bad = draft(30);
    bad["eqf_level"] = json!(9);
    bad["price"] = json!({ "amount": "12.345", "currency": "PLN" });
    bad["max_participants"] = json!(1);
    let (status, _, problem) = call
        .send("POST", "/api/offers", Some(&c.provider), None, Some(bad))
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["price.amount", "eqf_level", "max_participants"] {
        assert!(fields.contains(&f), "{f} not named: {fields:?}");
    }

    let (status, etag, offer) = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(draft(30)),
        )
        .await;
    assert_eq!(status, 201, "{offer}");
    assert_eq!(offer["status"], "draft");
    assert_eq!(offer["price"]["amount"], "1200.50");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    let id = offer["id"].as_str().unwrap().to_string();
    let path = format!("/api/offers/{id}");
    assert_eq!(
        call.send("GET", &path, None, None, None).await.0,
        404,
        "drafts are not public"
    );

    let patch = json!({ "title": "Analiza danych w Excelu i Power BI" });
    assert_eq!(
        call.send("PATCH", &path, Some(&c.provider), None, Some(patch.clone()))
            .await
            .0,
        428
    );
    assert_eq!(
        call.send(
            "PATCH",
            &path,
            Some(&c.provider),
            Some("\"7\""),
            Some(patch.clone())
        )
        .await
        .0,
        412
    );
    let (status, etag, edited) = call
        .send(
            "PATCH",
            &path,
            Some(&c.provider),
            Some("\"1\""),
            Some(patch),
        )
        .await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"2\"")));
    assert_eq!(edited["title"], "Analiza danych w Excelu i Power BI");
    assert_eq!(
        edited["translations"]["en"]["title"],
        "Data analysis in Excel"
    );

    let (status, _, submitted) = call
        .send(
            "POST",
            &format!("{path}/submit"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, submitted["status"].as_str()),
        (200, Some("pending_review"))
    );
    let (_, _, queue) = call
        .send(
            "GET",
            "/api/admin/offers?status=pending_review",
            Some(&c.admin),
            None,
            None,
        )
        .await;
    let queue = crate::support::items(queue);
    assert!(queue
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == id.as_str()));
    assert_eq!(
        call.send(
            "PATCH",
            &path,
            Some(&c.provider),
            Some("\"3\""),
            Some(json!({ "hours": 20 }))
        )
        .await
        .0,
        409,
        "no edits under review"
    );

    let (status, _, problem) = call
        .send(
            "POST",
            &format!("/api/admin/offers/{id}/reject"),
            Some(&c.admin),
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("reason"))
    );
    let (_, _, rejected) = call
        .send(
            "POST",
            &format!("/api/admin/offers/{id}/reject"),
            Some(&c.admin),
            None,
            Some(json!({ "reason": "Add the schedule" })),
        )
        .await;
    assert_eq!(rejected["status"], "rejected");
    let (_, _, mine) = call.send("GET", &path, Some(&c.provider), None, None).await;
    assert_eq!(mine["review"]["rejection_reason"], "Add the schedule");
    let (_, etag, _) = call.send("GET", &path, Some(&c.provider), None, None).await;
    let (status, _, _) = call.send("PATCH", &path, Some(&c.provider), etag.as_deref(), Some(json!({ "schedule": [{ "starts_at": "2031-01-01T09:00:00Z", "ends_at": "2031-01-01T17:00:00Z", "topic": "Tabele" }] }))).await;
    assert_eq!(status, 200);
    call.send(
        "POST",
        &format!("{path}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    let (status, _, published) = call
        .send(
            "POST",
            &format!("/api/admin/offers/{id}/approve"),
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, published["status"].as_str()),
        (200, Some("published"))
    );
    let (status, _, public) = call.send("GET", &path, None, None, None).await;
    assert_eq!(status, 200);
    assert!(
        public.get("review").is_none(),
        "the public sees no review state"
    );
    let (_, _, english) = call
        .send("GET", &format!("{path}?lang=en"), None, None, None)
        .await;
    assert_eq!(
        (english["title"].as_str(), english["text_language"].as_str()),
        (Some("Data analysis in Excel"), Some("en"))
    );
    assert_eq!(english["text_is_fallback"], false);
    assert_eq!(
        english["translations"]["pl"]["title"],
        "Analiza danych w Excelu i Power BI"
    );
    let (_, _, greek) = call
        .send("GET", &format!("{path}?lang=el"), None, None, None)
        .await;
    assert_eq!(
        (
            greek["text_language"].as_str(),
            greek["text_is_fallback"].as_bool()
        ),
        (Some("pl"), Some(true)),
        "no Greek text: the default, marked"
    );
    assert_eq!(
        call.send("GET", &format!("{path}?lang=de"), None, None, None)
            .await
            .0,
        400
    );
    let (_, _, list) = call
        .send("GET", "/api/offers?page_size=100", None, None, None)
        .await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.as_str()),
        "approved offers are listed at once"
    );

    // Editing a published offer makes a revision; the public keeps the approved text.
    let (_, etag, _) = call.send("GET", &path, Some(&c.provider), None, None).await;
    let (status, _, staff) = call
        .send(
            "PATCH",
            &path,
            Some(&c.provider),
            etag.as_deref(),
            Some(json!({ "title": "Power BI od podstaw" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(staff["review"]["revision_status"], "draft");
    assert_eq!(
        call.send("GET", &path, None, None, None).await.2["title"],
        "Analiza danych w Excelu i Power BI"
    );
    call.send(
        "POST",
        &format!("{path}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    let (_, _, queued) = call
        .send("GET", "/api/admin/offers", Some(&c.admin), None, None)
        .await;
    let queued = crate::support::items(queued);
    assert!(queued
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == id.as_str() && o["review"]["revision_status"] == "pending_review"));
    call.send(
        "POST",
        &format!("/api/admin/offers/{id}/approve"),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    let (_, _, public) = call.send("GET", &path, None, None, None).await;
    assert_eq!(public["title"], "Power BI od podstaw");
    assert_eq!(public["status"], "published");
    hub.stop().await;
}

async fn every_role_but_the_providers_staff_is_refused(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    for (who, token, expected) in [
        ("anonymous", None, 401),
        ("trainee", Some(&c.trainee), 403),
        ("employer", Some(&c.employer), 403),
    ] {
        assert_eq!(
            call.send(
                "POST",
                "/api/offers",
                token.map(String::as_str),
                None,
                Some(draft(30))
            )
            .await
            .0,
            expected,
            "{who} creating"
        );
    }
    let (_, _, offer) = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(draft(30)),
        )
        .await;
    let id = offer["id"].as_str().unwrap();
    let path = format!("/api/offers/{id}");
    assert_eq!(
        call.send(
            "PATCH",
            &path,
            Some(&c.other_provider),
            Some("\"1\""),
            Some(json!({ "hours": 8 }))
        )
        .await
        .0,
        404,
        "another provider's draft does not exist for them"
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("{path}/submit"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        404
    );
    call.send(
        "POST",
        &format!("{path}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    for token in [&c.provider, &c.trainee, &c.employer, &c.other_provider] {
        assert_eq!(
            call.send(
                "POST",
                &format!("/api/admin/offers/{id}/approve"),
                Some(token),
                None,
                None
            )
            .await
            .0,
            403,
            "only superadmins approve"
        );
    }
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/admin/offers/{id}/approve"),
            None,
            None,
            None
        )
        .await
        .0,
        401
    );
    call.send(
        "POST",
        &format!("/api/admin/offers/{id}/approve"),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(
        call.send(
            "PATCH",
            &path,
            Some(&c.other_provider),
            Some("\"4\""),
            Some(json!({ "hours": 8 }))
        )
        .await
        .0,
        403,
        "a public offer of another provider"
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("{path}/withdraw"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        403
    );
    hub.stop().await;
}

async fn concurrent_edits_with_the_same_etag_let_exactly_one_through(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let (_, etag, offer) = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(draft(30)),
        )
        .await;
    let path = format!("/api/offers/{}", offer["id"].as_str().unwrap());
    let etag = etag.unwrap();
    let (a, b) = tokio::join!(
        call.send(
            "PATCH",
            &path,
            Some(&c.provider),
            Some(&etag),
            Some(json!({ "hours": 10 }))
        ),
        call.send(
            "PATCH",
            &path,
            Some(&c.provider),
            Some(&etag),
            Some(json!({ "hours": 20 }))
        ),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 412],
        "one edit wins, the other is told it is stale"
    );
    let winner = if a.0 == 200 { 10 } else { 20 };
    assert_eq!(
        call.send("GET", &path, Some(&c.provider), None, None)
            .await
            .2["hours"],
        winner
    );
    hub.stop().await;
}

/// The provider withdraws the offer at its current version; returns the status.
pub async fn withdraw(call: &Call<'_>, c: &Cast, id: &str) -> u16 {
    let path = format!("/api/offers/{id}");
    let (_, etag, _) = call.send("GET", &path, Some(&c.provider), None, None).await;
    let withdraw = format!("{path}/withdraw");
    let (status, _, _) = call
        .send("POST", &withdraw, Some(&c.provider), etag.as_deref(), None)
        .await;
    status
}

pub async fn publish(call: &Call<'_>, c: &Cast, body: Value) -> String {
    let (_, _, offer) = call
        .send("POST", "/api/offers", Some(&c.provider), None, Some(body))
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
    id
}

async fn withdrawal_is_refused_within_a_day_of_the_start(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let soon = publish(&call, &c, draft(0)).await;
    let (status, _, problem) = call
        .send(
            "POST",
            &format!("/api/offers/{soon}/withdraw"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    let later = publish(&call, &c, draft(10)).await;
    let (status, _, withdrawn) = call
        .send(
            "POST",
            &format!("/api/offers/{later}/withdraw"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, withdrawn["status"].as_str()),
        (200, Some("withdrawn"))
    );
    assert_eq!(
        call.send("GET", &format!("/api/offers/{later}"), None, None, None)
            .await
            .0,
        404
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/offers/{later}/withdraw"),
            Some(&c.provider),
            None,
            None
        )
        .await
        .0,
        409
    );
    hub.stop().await;
}

async fn ended_offers_are_archived(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let ended = publish(&call, &c, draft(-10)).await;
    let running = publish(&call, &c, draft(-1)).await;
    let today = chrono::Utc::now().date_naive();
    let archived = hub
        .pool()
        .run(move |conn| hub::domain::offers::workflow::archive_ended(conn, today))
        .await
        .unwrap();
    assert_eq!(archived, 1);
    assert_eq!(
        call.send("GET", &format!("/api/offers/{ended}"), None, None, None)
            .await
            .0,
        404
    );
    assert_eq!(
        call.send(
            "GET",
            &format!("/api/offers/{ended}"),
            Some(&c.provider),
            None,
            None
        )
        .await
        .2["status"],
        "archived"
    );
    assert_eq!(
        call.send("GET", &format!("/api/offers/{running}"), None, None, None)
            .await
            .0,
        200
    );
    hub.stop().await;
}
