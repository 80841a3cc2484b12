//! Applications through the API (issue 4): apply, decide, complete; the waiting list and its
//! promotion in order; employers applying for employees; every refusal with its reason.

use serde_json::{json, Value};

use crate::identity::{bearer, person};
use crate::offers::{cast, draft, publish, Call};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    a_trainee_applies_is_accepted_and_completes,
    the_waiting_list_is_promoted_in_order,
    employers_apply_for_employees_who_must_accept,
    application_steps_are_refused_to_the_wrong_people,
    ratings_follow_completion_and_trainers_answer_their_naming,
    announcements_reach_matching_providers_and_get_answers,
    application_decisions_are_mailed_unless_opted_out,
    providers_hear_of_review_decisions,
);

/// The cast's trainee applies for `offer` and its provider accepts; returns the application id.
pub async fn accepted(call: &Call<'_>, c: &crate::offers::Cast, offer: &str) -> String {
    let (status, _, app) = call
        .send(
            "POST",
            &format!("/api/offers/{offer}/applications"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(status, 201, "{app}");
    let id = app["id"].as_str().unwrap().to_string();
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/accept"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    id
}

/// The provider completes the application by hand.
pub async fn complete_by_hand(call: &Call<'_>, c: &crate::offers::Cast, application: &str) {
    let (status, _, body) = call
        .send(
            "POST",
            &format!("/api/applications/{application}/complete"),
            Some(&c.provider),
            None,
            Some(json!({ "outcome": "completed" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

fn small(max: i64) -> Value {
    let mut d = draft(20);
    d["min_participants"] = json!(1);
    d["max_participants"] = json!(max);
    d
}

async fn a_trainee_applies_is_accepted_and_completes(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(2)).await;
    let (status, _, app) = call
        .send(
            "POST",
            &format!("/api/offers/{offer}/applications"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, app["status"].as_str()),
        (201, Some("pending")),
        "{app}"
    );
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/offers/{offer}/applications"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(status, 409, "one application per person and offer");
    let id = app["id"].as_str().unwrap();

    let (status, _, listed) = call
        .send(
            "GET",
            &format!("/api/offers/{offer}/applications"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    let listed = crate::support::items(listed);
    assert_eq!(status, 200);
    assert_eq!(listed[0]["participant"], "Test Person");
    let (_, _, accepted) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/accept"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(accepted["status"], "accepted");
    let (_, _, public) = call
        .send("GET", &format!("/api/offers/{offer}"), None, None, None)
        .await;
    assert_eq!(
        (
            public["participants_count"].as_i64(),
            public["places_left"].as_i64()
        ),
        (Some(1), Some(1)),
        "derived counts"
    );

    let (status, _, problem) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/complete"),
            Some(&c.provider),
            None,
            Some(json!({ "outcome": "passed" })),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("outcome"))
    );
    let (_, _, done) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/complete"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(done["status"], "completed");
    let (_, _, mine) = call
        .send("GET", "/api/me/applications", Some(&c.trainee), None, None)
        .await;
    let mine = crate::support::items(mine);
    assert_eq!(mine[0]["status"], "completed");
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/applications/{id}/cancel"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        409,
        "a completed application stays completed"
    );
    hub.stop().await;
}

async fn the_waiting_list_is_promoted_in_order(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(1)).await;
    let mut tokens = Vec::new();
    for name in ["first", "second", "third"] {
        person(&hub, &format!("{name}@example.eu"), &["trainee"], None).await;
        tokens.push(bearer(&hub, &format!("{name}@example.eu")).await);
    }
    let path = format!("/api/offers/{offer}/applications");
    let (_, _, first) = call.send("POST", &path, Some(&tokens[0]), None, None).await;
    let (_, _, second) = call.send("POST", &path, Some(&tokens[1]), None, None).await;
    assert_eq!(
        second["status"], "pending",
        "pending applications hold no place"
    );
    call.send(
        "POST",
        &format!("/api/applications/{}/accept", first["id"].as_str().unwrap()),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    let (status, _, _) = call
        .send(
            "POST",
            &format!(
                "/api/applications/{}/accept",
                second["id"].as_str().unwrap()
            ),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(status, 409, "a full offer accepts no one more");
    let (_, _, third) = call.send("POST", &path, Some(&tokens[2]), None, None).await;
    assert_eq!(third["status"], "waitlisted");
    call.send(
        "POST",
        &format!(
            "/api/applications/{}/reject",
            second["id"].as_str().unwrap()
        ),
        Some(&c.provider),
        None,
        Some(json!({ "reason": "Full" })),
    )
    .await;

    // The accepted participant cancels: the longest-waiting application moves up.
    let (_, _, cancelled) = call
        .send(
            "POST",
            &format!("/api/applications/{}/cancel", first["id"].as_str().unwrap()),
            Some(&tokens[0]),
            None,
            None,
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    let (_, _, listed) = call
        .send(
            "GET",
            &format!("/api/offers/{offer}/applications"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    let listed = crate::support::items(listed);
    let status_of = |id: &Value| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == *id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        status_of(&third["id"]),
        "pending",
        "promoted from the waiting list"
    );
    let (_, _, public) = call
        .send("GET", &format!("/api/offers/{offer}"), None, None, None)
        .await;
    assert_eq!(public["places_left"], 1);
    hub.stop().await;
}

async fn employers_apply_for_employees_who_must_accept(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(5)).await;
    let path = format!("/api/offers/{offer}/applications");
    // Before the trainee is the employer's employee, an existing trainee and an address with no
    // account get the same answer: the form reveals nobody.
    let mut refusals = Vec::new();
    for email in ["nobody@example.eu", "trainee@example.eu"] {
        let (status, _, problem) = call
            .send(
                "POST",
                &path,
                Some(&c.employer),
                None,
                Some(json!({ "employee_email": email })),
            )
            .await;
        refusals.push((status, problem["errors"].clone()));
    }
    assert_eq!(refusals[0], refusals[1]);
    assert_eq!(refusals[0].0, 400);
    assert_eq!(refusals[0].1[0]["field"], "employee_email");

    // The employer invites; the trainee accepts and becomes its employee.
    let (_, _, me) = call
        .send("GET", "/api/me", Some(&c.employer), None, None)
        .await;
    let employer = me["memberships"][0]["organisation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = format!("/api/organisations/{employer}/employees");
    for email in ["nobody@example.eu", "TRAINEE@example.eu"] {
        let (status, _, _) = call
            .send(
                "POST",
                &invite,
                Some(&c.employer),
                None,
                Some(json!({ "email": email })),
            )
            .await;
        assert_eq!(status, 202, "an invitation answers alike for {email}");
    }
    let (status, _, _) = call
        .send(
            "POST",
            &invite,
            Some(&c.trainee),
            None,
            Some(json!({ "email": "trainee@example.eu" })),
        )
        .await;
    assert_eq!(status, 403, "only the employer's staff invite");
    let (status, _, _) = call
        .send(
            "POST",
            &format!("{invite}/accept"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = call
        .send(
            "POST",
            &path,
            Some(&c.trainee),
            None,
            Some(json!({ "employee_email": "trainee@example.eu" })),
        )
        .await;
    assert_eq!(status, 403, "only employer staff apply for someone else");
    let (status, _, app) = call
        .send(
            "POST",
            &path,
            Some(&c.employer),
            None,
            Some(json!({ "employee_email": "TRAINEE@example.eu" })),
        )
        .await;
    assert_eq!(
        (status, app["status"].as_str()),
        (201, Some("awaiting_employee"))
    );
    let id = app["id"].as_str().unwrap();
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/applications/{id}/confirm"),
            Some(&c.employer),
            None,
            None
        )
        .await
        .0,
        403,
        "only the employee accepts"
    );
    let (_, _, confirmed) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/confirm"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(confirmed["status"], "pending");
    let notified = hub
        .pool()
        .run(|conn| {
            use diesel::prelude::*;
            use hub::db::schema::notifications;
            Ok(notifications::table
                .select(notifications::kind)
                .load::<String>(conn)?)
        })
        .await
        .unwrap();
    assert!(notified.contains(&"application.for_you".to_string()));
    hub.stop().await;
}

async fn application_steps_are_refused_to_the_wrong_people(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    person(&hub, "trainer@example.eu", &["trainer"], None).await;
    person(&hub, "other@example.eu", &["trainee"], None).await;
    let trainer = bearer(&hub, "trainer@example.eu").await;
    let other = bearer(&hub, "other@example.eu").await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(5)).await;
    let path = format!("/api/offers/{offer}/applications");
    assert_eq!(call.send("POST", &path, None, None, None).await.0, 401);
    assert_eq!(
        call.send("POST", &path, Some(&trainer), None, None).await.0,
        403,
        "trainers cannot apply as trainees"
    );
    assert_eq!(
        call.send("POST", &path, Some(&c.provider), None, None)
            .await
            .0,
        403
    );
    let (_, _, app) = call.send("POST", &path, Some(&c.trainee), None, None).await;
    let id = app["id"].as_str().unwrap();
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/applications/{id}/accept"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        403,
        "applicants do not accept themselves"
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/applications/{id}/accept"),
            Some(&c.other_provider),
            None,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/applications/{id}/cancel"),
            Some(&other),
            None,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call.send("GET", &path, Some(&c.trainee), None, None)
            .await
            .0,
        403
    );
    let (status, _, problem) = call
        .send(
            "POST",
            &format!("/api/applications/{id}/reject"),
            Some(&c.provider),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("reason"))
    );
    let draft_offer = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(small(5)),
        )
        .await
        .2["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/offers/{draft_offer}/applications"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        404,
        "drafts take no applications"
    );
    hub.stop().await;
}

async fn ratings_follow_completion_and_trainers_answer_their_naming(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let trainer_id = person(&hub, "trainer@example.eu", &["trainer"], None).await;
    let trainer = bearer(&hub, "trainer@example.eu").await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(5)).await;

    // Naming a trainer, who confirms.
    let named = call
        .send(
            "POST",
            &format!("/api/offers/{offer}/trainers"),
            Some(&c.other_provider),
            None,
            Some(json!({ "email": "trainer@example.eu" })),
        )
        .await;
    assert_eq!(named.0, 403);
    let named = call
        .send(
            "POST",
            &format!("/api/offers/{offer}/trainers"),
            Some(&c.provider),
            None,
            Some(json!({ "email": "trainee@example.eu" })),
        )
        .await;
    assert_eq!(
        (named.0, named.2["errors"][0]["field"].as_str()),
        (400, Some("email"))
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/offers/{offer}/trainers"),
            Some(&c.provider),
            None,
            Some(json!({ "email": "trainer@example.eu" }))
        )
        .await
        .0,
        201
    );
    let (_, _, shown) = call
        .send("GET", &format!("/api/offers/{offer}"), None, None, None)
        .await;
    assert_eq!(
        shown["trainers"],
        json!([{ "id": trainer_id, "name": "Test Person", "confirmed": null }])
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/offers/{offer}/trainers/confirm"),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/offers/{offer}/trainers/confirm"),
            Some(&trainer),
            None,
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call.send("GET", &format!("/api/offers/{offer}"), None, None, None)
            .await
            .2["trainers"][0]["confirmed"],
        true
    );

    let rating = json!({ "service": { "stars": 5, "opinion": "Świetne" }, "provider": { "stars": 4 }, "trainer": { "stars": 3, "opinion": " " } });
    let path = format!("/api/offers/{offer}/ratings");
    assert_eq!(
        call.send("POST", &path, Some(&c.trainee), None, Some(rating.clone()))
            .await
            .0,
        403,
        "not completed yet"
    );
    let id = accepted(&call, &c, &offer).await;
    let id = id.as_str();
    call.send(
        "POST",
        &format!("/api/applications/{id}/complete"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    let bad =
        json!({ "service": { "stars": 6 }, "provider": { "stars": 0 }, "trainer": { "stars": 3 } });
    let (status, _, problem) = call
        .send("POST", &path, Some(&c.trainee), None, Some(bad))
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["service.stars", "provider.stars"]);
    let (status, _, created) = call
        .send("POST", &path, Some(&c.trainee), None, Some(rating.clone()))
        .await;
    assert_eq!(status, 201);
    assert!(
        created["trainer"]["opinion"].is_null(),
        "blank opinions are dropped"
    );
    assert_eq!(
        call.send("POST", &path, Some(&c.trainee), None, Some(rating))
            .await
            .0,
        409,
        "once per participant and offer"
    );

    let (_, _, listed) = call.send("GET", &path, None, None, None).await;
    assert_eq!(listed["service"], json!({ "average": 5.0, "count": 1 }));
    assert_eq!(listed["data"][0]["service"]["opinion"], "Świetne");
    let (_, _, shown) = call
        .send("GET", &format!("/api/offers/{offer}"), None, None, None)
        .await;
    assert_eq!(shown["rating"]["average"], 5.0);
    let provider_id = shown["provider"]["id"].as_str().unwrap();
    assert_eq!(
        call.send(
            "GET",
            &format!("/api/providers/{provider_id}/rating"),
            None,
            None,
            None
        )
        .await
        .2,
        json!({ "average": 4.0, "count": 1 })
    );
    assert_eq!(
        call.send(
            "GET",
            &format!("/api/trainers/{trainer_id}/rating"),
            None,
            None,
            None
        )
        .await
        .2,
        json!({ "average": 3.0, "count": 1 })
    );

    let rating_id = listed["data"][0]["id"].as_str().unwrap();
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/admin/ratings/{rating_id}/hide"),
            Some(&c.provider),
            None,
            Some(json!({ "reason": "x" }))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/admin/ratings/{rating_id}/hide"),
            Some(&c.admin),
            None,
            Some(json!({}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/admin/ratings/{rating_id}/hide"),
            Some(&c.admin),
            None,
            Some(json!({ "reason": "Personal data in the opinion" }))
        )
        .await
        .0,
        204
    );
    let (_, _, listed) = call.send("GET", &path, None, None, None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 0);
    assert_eq!(listed["service"]["count"], 0);
    hub.stop().await;
}

async fn announcements_reach_matching_providers_and_get_answers(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(5)).await;
    let body = json!({ "kind": "training_for_employees", "title": "Excel for 12 accountants", "persons": 12,
        "subject": "Spreadsheets", "location": "Wrocław", "industry": "finance", "content": "Two days, on site." });
    assert_eq!(
        call.send(
            "POST",
            "/api/announcements",
            Some(&c.provider),
            None,
            Some(body.clone())
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call.send("POST", "/api/announcements", None, None, Some(body.clone()))
            .await
            .0,
        401
    );
    let (status, _, problem) = call.send("POST", "/api/announcements", Some(&c.employer), None, Some(json!({ "kind": "wish", "title": "", "persons": 0, "subject": "x", "industry": "IT", "content": "y" }))).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "title", "persons"]);
    let (status, _, created) = call
        .send(
            "POST",
            "/api/announcements",
            Some(&c.employer),
            None,
            Some(body),
        )
        .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();

    // The provider publishing in finance was told; the rival with nothing published was not.
    let (_, _, notes) = call
        .send(
            "GET",
            "/api/notifications?unread=true",
            Some(&c.provider),
            None,
            None,
        )
        .await;
    let notes = crate::support::items(notes);
    let note = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "announcement.matching")
        .expect("notified");
    assert_eq!(note["payload"]["announcement_id"], id);
    let (_, _, rival) = call
        .send(
            "GET",
            "/api/notifications",
            Some(&c.other_provider),
            None,
            None,
        )
        .await;
    let rival = crate::support::items(rival);
    assert!(rival.as_array().unwrap().is_empty());
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/notifications/{}/read", note["id"].as_str().unwrap()),
            Some(&c.provider),
            None,
            None
        )
        .await
        .0,
        204
    );
    let (_, _, unread) = call
        .send(
            "GET",
            "/api/notifications?unread=true",
            Some(&c.provider),
            None,
            None,
        )
        .await;
    let unread = crate::support::items(unread);
    assert!(unread
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["kind"] != "announcement.matching"));
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/notifications/{}/read", note["id"].as_str().unwrap()),
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        404,
        "not theirs"
    );

    let (_, _, listed) = call
        .send(
            "GET",
            "/api/announcements?kind=training_for_employees&industry=finance",
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    let listed = crate::support::items(listed);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        call.send("GET", "/api/announcements", None, None, None)
            .await
            .0,
        401
    );
    assert_eq!(
        call.send(
            "GET",
            "/api/announcements?kind=wish",
            Some(&c.trainee),
            None,
            None
        )
        .await
        .0,
        400
    );

    let path = format!("/api/announcements/{id}/responses");
    assert_eq!(
        call.send("POST", &path, Some(&c.provider), None, Some(json!({})))
            .await
            .0,
        400
    );
    assert_eq!(
        call.send(
            "POST",
            &path,
            Some(&c.other_provider),
            None,
            Some(json!({ "offer_id": offer }))
        )
        .await
        .0,
        400,
        "only one's own offers"
    );
    assert_eq!(
        call.send(
            "POST",
            &path,
            Some(&c.provider),
            None,
            Some(json!({ "offer_id": offer, "message": "We run it monthly." }))
        )
        .await
        .0,
        201
    );
    let (_, _, employer_notes) = call
        .send("GET", "/api/notifications", Some(&c.employer), None, None)
        .await;
    let employer_notes = crate::support::items(employer_notes);
    assert_eq!(employer_notes[0]["kind"], "announcement.response");
    assert_eq!(employer_notes[0]["payload"]["offer_id"], offer.as_str());

    assert_eq!(
        call.send(
            "POST",
            &format!("/api/announcements/{id}/close"),
            Some(&c.provider),
            None,
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call.send(
            "POST",
            &format!("/api/announcements/{id}/close"),
            Some(&c.employer),
            None,
            None
        )
        .await
        .2["status"],
        "closed"
    );
    assert_eq!(
        call.send(
            "POST",
            &path,
            Some(&c.provider),
            None,
            Some(json!({ "message": "late" }))
        )
        .await
        .0,
        409
    );

    let (_, _, prefs) = call
        .send(
            "GET",
            "/api/me/email-preferences",
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert!(prefs["opt_out"].as_array().unwrap().is_empty());
    let (status, _, problem) = call
        .send(
            "PUT",
            "/api/me/email-preferences",
            Some(&c.trainee),
            None,
            Some(json!({ "opt_out": ["spam"] })),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("opt_out[0]"))
    );
    let (_, _, prefs) = call
        .send(
            "PUT",
            "/api/me/email-preferences",
            Some(&c.trainee),
            None,
            Some(json!({ "opt_out": ["announcement.matching"] })),
        )
        .await;
    assert_eq!(prefs["opt_out"], json!(["announcement.matching"]));
    hub.stop().await;
}

async fn application_decisions_are_mailed_unless_opted_out(backend: Backend) {
    let smtp = crate::smtp::SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, small(5)).await;
    let id = accepted(&call, &c, &offer).await;
    let id = id.as_str();
    // The trainee reads English: the offer's English title, the status in English.
    let mail = smtp
        .wait_for("trainee@example.eu", "Your application")
        .await;
    assert!(
        mail.subject.contains("Data analysis in Excel"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("is now: accepted"), "{}", mail.body);

    call.send(
        "PUT",
        "/api/me/email-preferences",
        Some(&c.trainee),
        None,
        Some(json!({ "opt_out": ["application.status"] })),
    )
    .await;
    call.send(
        "POST",
        &format!("/api/applications/{id}/complete"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    // The delivery is made (and recorded) without a message being sent.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let pending: i64 = hub
            .pool()
            .run(|conn| {
                use diesel::prelude::*;
                use hub::db::schema::deliveries;
                Ok(deliveries::table
                    .filter(deliveries::status.ne("delivered"))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let to_trainee = smtp
        .all()
        .into_iter()
        .filter(|m| m.to.contains("trainee@example.eu"))
        .count();
    assert_eq!(to_trainee, 1, "no e-mail after opting out");
    let (_, _, notes) = call
        .send("GET", "/api/notifications", Some(&c.trainee), None, None)
        .await;
    let notes = crate::support::items(notes);
    assert_eq!(
        notes[0]["payload"]["status"], "completed",
        "the in-app notification still arrives"
    );
    hub.stop().await;
}

async fn providers_hear_of_review_decisions(backend: Backend) {
    let smtp = crate::smtp::SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let (_, _, offer) = call
        .send(
            "POST",
            "/api/offers",
            Some(&c.provider),
            None,
            Some(small(5)),
        )
        .await;
    let id = offer["id"].as_str().unwrap();
    call.send(
        "POST",
        &format!("/api/offers/{id}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    call.send(
        "POST",
        &format!("/api/admin/offers/{id}/reject"),
        Some(&c.admin),
        None,
        Some(json!({ "reason": "Add a schedule" })),
    )
    .await;
    let mail = smtp.wait_for("staff@provider.eu", "Your offer").await;
    assert!(
        mail.body.contains("rejected") && mail.body.contains("Add a schedule"),
        "{}",
        mail.body
    );
    let (_, _, notes) = call
        .send("GET", "/api/notifications", Some(&c.provider), None, None)
        .await;
    let notes = crate::support::items(notes);
    assert_eq!(notes[0]["kind"], "offer.decision");
    assert_eq!(notes[0]["payload"]["decision"], "rejected");
    let (_, _, rival) = call
        .send(
            "GET",
            "/api/notifications",
            Some(&c.other_provider),
            None,
            None,
        )
        .await;
    let rival = crate::support::items(rival);
    assert!(
        rival.as_array().unwrap().is_empty(),
        "only the offer's own provider hears of it"
    );
    hub.stop().await;
}
