//! The hub's own notices (issue 4, part 5): deadline reminders before applications close, sent
//! once to whoever still has to act; course updates to everyone who applied when an offer
//! changes or is withdrawn; announcements to the providers of their industry — in the app and by
//! e-mail.

use serde_json::{json, Value};

use crate::identity::{bearer, person};
use crate::offers::{cast, draft, publish, withdraw, Call, Cast};
use crate::smtp::SmtpServer;
use crate::support::{Backend, TestHub};

crate::both_backends!(
    deadline_reminders_go_once_to_whoever_still_has_to_act,
    applicants_hear_when_an_offer_changes_or_is_withdrawn,
    providers_are_mailed_of_matching_announcements,
);

fn closing_in(days: i64) -> Value {
    let mut body = draft(30);
    body["application_deadline"] =
        json!(chrono::Utc::now().date_naive() + chrono::Duration::days(days));
    body
}

/// A hub that mails to a test server, the usual cast, and a second trainee's token.
async fn with_two_trainees(backend: Backend) -> (SmtpServer, TestHub, Cast, String) {
    let smtp = SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let c = cast(&hub).await;
    person(&hub, "second@example.eu", &["trainee"], None).await;
    let second = bearer(&hub, "second@example.eu").await;
    (smtp, hub, c, second)
}

async fn notices(call: &Call<'_>, token: &str, kind: &str) -> Vec<Value> {
    let (status, _, list) = call
        .send("GET", "/api/notifications", Some(token), None, None)
        .await;
    let list = crate::support::items(list);
    assert_eq!(status, 200);
    list.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

async fn deadline_reminders_go_once_to_whoever_still_has_to_act(backend: Backend) {
    let (smtp, hub, c, second) = with_two_trainees(backend).await;
    let call = Call { hub: &hub };
    crate::offers::employ_trainee(&call, &c).await;

    let closing = publish(&call, &c, closing_in(1)).await;
    let later = publish(&call, &c, closing_in(10)).await;
    for offer in [&closing, &later] {
        // One application waits for the provider; one waits for the employee's yes.
        let path = format!("/api/offers/{offer}/applications");
        let (status, _, _) = call.send("POST", &path, Some(&second), None, None).await;
        assert_eq!(status, 201);
        let body = json!({ "employee_email": "trainee@example.eu" });
        let (status, _, _) = call
            .send("POST", &path, Some(&c.employer), None, Some(body))
            .await;
        assert_eq!(status, 201);
    }

    let today = chrono::Utc::now().date_naive();
    let pool = hub.pool();
    let run = |day: chrono::NaiveDate| {
        pool.run(move |conn| hub::domain::reminders::send_deadline_reminders(conn, day))
    };
    assert_eq!(
        run(today).await.unwrap(),
        2,
        "the provider's staff and the employee"
    );
    assert_eq!(run(today).await.unwrap(), 0, "each reminder goes once");

    let to_employee = smtp.wait_for("trainee@example.eu", "close on").await;
    assert!(to_employee.subject.contains("Data analysis in Excel"));
    assert!(
        to_employee.body.contains("accept or decline"),
        "{}",
        to_employee.body
    );
    let to_provider = smtp.wait_for("staff@provider.eu", "close on").await;
    assert!(
        to_provider.body.contains("1 still wait"),
        "{}",
        to_provider.body
    );
    let reminded = notices(&call, &c.trainee, "deadline.reminder").await;
    assert_eq!(reminded.len(), 1);
    assert_eq!(reminded[0]["payload"]["offer_id"], closing.as_str());
    assert!(
        notices(&call, &second, "deadline.reminder")
            .await
            .is_empty(),
        "nothing to do"
    );

    // The offer closing in ten days is reminded of when its day comes.
    let later_day = today + chrono::Duration::days(8);
    let sent = run(later_day).await.unwrap();
    assert_eq!(sent, 2);
    hub.stop().await;
}

async fn applicants_hear_when_an_offer_changes_or_is_withdrawn(backend: Backend) {
    let (smtp, hub, c, second) = with_two_trainees(backend).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let path = format!("/api/offers/{offer}/applications");
    call.send("POST", &path, Some(&c.trainee), None, None).await;
    let (_, _, cancelled) = call.send("POST", &path, Some(&second), None, None).await;
    let cancelled = cancelled["id"].as_str().unwrap().to_string();
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/applications/{cancelled}/cancel"),
            Some(&second),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);

    // A revision changes the hours; its approval tells the applicant.
    let offer_path = format!("/api/offers/{offer}");
    let (_, etag, _) = call
        .send("GET", &offer_path, Some(&c.provider), None, None)
        .await;
    let (status, _, _) = call
        .send(
            "PATCH",
            &offer_path,
            Some(&c.provider),
            etag.as_deref(),
            Some(json!({ "hours": 20 })),
        )
        .await;
    assert_eq!(status, 200);
    call.send(
        "POST",
        &format!("{offer_path}/submit"),
        Some(&c.provider),
        None,
        None,
    )
    .await;
    assert!(
        notices(&call, &c.trainee, "course.update").await.is_empty(),
        "not before approval"
    );
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/admin/offers/{offer}/approve"),
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let updated = notices(&call, &c.trainee, "course.update").await;
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["payload"]["change"], "updated");
    let mail = smtp.wait_for("trainee@example.eu", "Change to").await;
    assert!(mail.body.contains("has changed"), "{}", mail.body);

    assert_eq!(withdraw(&call, &c, &offer).await, 200);
    let withdrawn = notices(&call, &c.trainee, "course.update").await;
    assert_eq!(withdrawn.len(), 2);
    assert_eq!(withdrawn[0]["payload"]["change"], "withdrawn");
    let waited = std::time::Instant::now();
    while !smtp
        .all()
        .iter()
        .any(|m| m.to.contains("trainee@example.eu") && m.body.contains("has withdrawn"))
    {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(20),
            "no withdrawal e-mail"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Who cancelled hears nothing.
    assert!(notices(&call, &second, "course.update").await.is_empty());
    hub.stop().await;
}

async fn providers_are_mailed_of_matching_announcements(backend: Backend) {
    let (smtp, hub, c, _) = with_two_trainees(backend).await;
    let call = Call { hub: &hub };
    publish(&call, &c, draft(30)).await; // a finance offer: the provider is in finance
    let wish = |industry: &str| {
        json!({ "kind": "training_for_employees", "title": format!("Training in {industry}"),
                "persons": 4, "subject": "reporting", "location": "Łódź", "industry": industry,
                "content": "Month-end reporting for our team" })
    };
    for industry in ["IT", "finance"] {
        let (status, _, _) = call
            .send(
                "POST",
                "/api/announcements",
                Some(&c.employer),
                None,
                Some(wish(industry)),
            )
            .await;
        assert_eq!(status, 201);
    }
    let mail = smtp
        .wait_for("staff@provider.eu", "An employer is looking for training")
        .await;
    assert!(
        mail.subject.contains("Training in finance"),
        "{}",
        mail.subject
    );
    assert!(mail.body.contains("finance"), "{}", mail.body);
    let matching = notices(&call, &c.provider, "announcement.matching").await;
    assert_eq!(
        matching.len(),
        1,
        "only the announcement in the provider's industry"
    );
    assert!(
        !smtp
            .all()
            .iter()
            .any(|m| m.subject.contains("Training in IT")),
        "no e-mail for another industry"
    );
    hub.stop().await;
}
