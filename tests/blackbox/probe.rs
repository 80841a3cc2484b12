//! The findings of the outside probe (issue 9), each reproduced from outside: the attack as the
//! probe made it, and what the hub must answer now.

use serde_json::{json, Value};

use crate::house::sign_in_with;
use crate::identity::{bearer, browser, person, token, PASSWORD};
use crate::smtp::SmtpServer;
use crate::support::{Backend, TestHub};

crate::both_backends!(
    concurrent_guesses_check_at_most_the_lockout_budget,
    return_addresses_stay_on_this_hub,
    the_last_superadmin_cannot_lock_demote_or_erase_itself,
    made_up_api_keys_leave_no_state_behind,
    oversized_requests_are_answered,
    a_slow_mail_server_does_not_hold_the_queue,
    staff_cannot_probe_who_has_an_account,
    the_openapi_document_holds_under_fuzzing,
    erasure_password_checks_meet_the_lockout,
);

/// A hub whose per-address sign-in limit is out of the way, so lockout alone is measured.
async fn hub_without_signin_limit(backend: Backend) -> TestHub {
    TestHub::start_with(
        backend,
        &[
            ("HUB_DEMO_DATA", "false"),
            ("HUB_SIGNIN_RATE_PER_MINUTE", "10000"),
            ("HUB_RATE_PER_MINUTE", "10000"),
        ],
        Vec::new(),
    )
    .await
}

async fn concurrent_guesses_check_at_most_the_lockout_budget(backend: Backend) {
    let hub = hub_without_signin_limit(backend).await;
    person(&hub, "target@example.eu", &["trainee"], None).await;
    let guesses = (0..30).map(|i| {
        let hub = &hub;
        async move {
            token(hub, "target@example.eu", &format!("Wrong-guess-{i}-x"))
                .await
                .0
        }
    });
    let answers: Vec<u16> = futures_util::future::join_all(guesses).await;
    let wrong = answers.iter().filter(|s| **s == 401).count();
    let locked = answers.iter().filter(|s| **s == 423).count();
    assert!(
        wrong <= 5,
        "at most 5 passwords are checked, {wrong} were: {answers:?}"
    );
    assert_eq!(
        wrong + locked,
        30,
        "every other guess is refused as locked: {answers:?}"
    );
    assert_eq!(
        token(&hub, "target@example.eu", PASSWORD).await.0,
        423,
        "the right password after the budget is spent is refused too"
    );

    // The window passes while the account is still locked, and someone keeps trying: refusals
    // of a locked account are no failed checks, so when the lock ends the owner gets in.
    let pool = hub.pool();
    let shift = |sql: String| {
        let pool = pool.clone();
        async move {
            pool.run(move |conn| {
                use diesel::RunQueryDsl;
                diesel::sql_query(&sql).execute(conn)?;
                Ok(())
            })
            .await
            .unwrap()
        }
    };
    let now = chrono::Utc::now().naive_utc();
    let earlier = (now - chrono::Duration::minutes(16)).format("%Y-%m-%d %H:%M:%S");
    let later = (now + chrono::Duration::minutes(1)).format("%Y-%m-%d %H:%M:%S");
    let past = (now - chrono::Duration::seconds(1)).format("%Y-%m-%d %H:%M:%S");
    shift(format!("UPDATE login_attempts SET at = '{earlier}'")).await;
    shift(format!("UPDATE users SET locked_until = '{later}'")).await;
    for i in 0..5 {
        let pass = format!("Wrong-while-locked-{i}");
        assert_eq!(token(&hub, "target@example.eu", &pass).await.0, 423);
    }
    shift(format!("UPDATE users SET locked_until = '{past}'")).await;
    assert_eq!(
        token(&hub, "target@example.eu", PASSWORD).await.0,
        200,
        "once the lock ends, the owner's password is checked and holds"
    );
    hub.stop().await;
}

async fn return_addresses_stay_on_this_hub(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "walker@example.eu", &["trainee"], None).await;
    for (return_to, expected) in [
        ("/%09/evil.example", "/"),
        ("/%0a/evil.example", "/"),
        ("/%0d%0a/evil.example", "/"),
        ("/%00", "/"),
        ("/%5Cevil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/sessions", "/sessions"),
    ] {
        let b = browser();
        let res = sign_in_with(&hub, &b, "walker@example.eu", Some(return_to)).await;
        assert_eq!(res.status(), 303, "return_to={return_to}");
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            expected,
            "return_to={return_to}"
        );
        assert!(
            res.headers().get("set-cookie").is_some(),
            "the session is started and its cookie sent (return_to={return_to})"
        );
    }
    hub.stop().await;
}

async fn the_last_superadmin_cannot_lock_demote_or_erase_itself(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let root = person(&hub, "root@example.eu", &["superadmin"], None).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let send = |method: &str, path: String, body: Value, version: Option<i64>| {
        let mut req = hub
            .client
            .request(method.parse().unwrap(), hub.url(&path))
            .bearer_auth(&admin)
            .json(&body);
        if let Some(v) = version {
            req = req.header("if-match", format!("\"{v}\""));
        }
        req.send()
    };
    let me: Value = send("GET", "/api/me".into(), json!({}), None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = me["version"].as_i64().unwrap();
    let lock = send(
        "POST",
        format!("/api/admin/users/{root}/lock"),
        json!({}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(lock.status(), 409);
    let problem: Value = lock.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("last active superadmin"),
        "{problem}"
    );
    let demote = send(
        "PUT",
        format!("/api/admin/users/{root}/roles"),
        json!({ "roles": ["trainee"] }),
        Some(version),
    )
    .await
    .unwrap();
    assert_eq!(demote.status(), 409);
    let erase = send(
        "DELETE",
        "/api/me".into(),
        json!({ "password": PASSWORD }),
        Some(version),
    )
    .await
    .unwrap();
    assert_eq!(erase.status(), 409);
    let own_sessions = send(
        "POST",
        format!("/api/admin/users/{root}/end-sessions"),
        json!({}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        own_sessions.status(),
        200,
        "ending one's own sessions is fine"
    );

    // With a second superadmin, stepping down is allowed.
    person(&hub, "deputy@example.eu", &["superadmin"], None).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let me: Value = hub
        .client
        .get(hub.url("/api/me"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let demoted = hub
        .client
        .put(hub.url(&format!("/api/admin/users/{root}/roles")))
        .bearer_auth(&admin)
        .header("if-match", format!("\"{}\"", me["version"]))
        .json(&json!({ "roles": ["trainee"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(demoted.status(), 200);
    hub.stop().await;
}

/// A gauge of `/metrics` by its labels, e.g. `hub_rate_limit_entries{map="per_key"}`.
async fn gauge(hub: &TestHub, series: &str) -> f64 {
    let text = hub.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
}

async fn made_up_api_keys_leave_no_state_behind(backend: Backend) {
    let hub = hub_without_signin_limit(backend).await;
    let keys = (0..600).map(|i| {
        let hub = &hub;
        async move {
            hub.client
                .get(hub.url("/api/me"))
                .header(
                    "x-api-key",
                    format!("made-up-{i}-{}", rand::random::<u64>()),
                )
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let answers = futures_util::future::join_all(keys).await;
    assert!(answers.iter().all(|s| *s == 401), "{answers:?}");
    assert_eq!(
        gauge(&hub, "hub_rate_limit_entries{map=\"per_key\"}").await,
        0.0,
        "an unknown key gets no budget of its own"
    );
    let misses = gauge(&hub, "hub_rate_limit_entries{map=\"misses\"}").await;
    assert!(
        misses <= 600.0,
        "misses are remembered once each, briefly: {misses}"
    );
    let per_address = gauge(&hub, "hub_rate_limit_entries{map=\"per_ip\"}").await;
    assert!(
        (1.0..=3.0).contains(&per_address),
        "they were charged to the one address they came from: {per_address}"
    );
    hub.stop().await;
}

/// Sends `head` on a raw connection, as a client that writes the whole request before it
/// reads anything does, and returns what the hub answered (empty when the connection was reset).
pub fn raw_answer(base: &str, head: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let addr = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(&head);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).to_string()
}

async fn oversized_requests_are_answered(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    // Within what the server buffers: problem documents naming the limit.
    let long = hub
        .client
        .get(hub.url(&format!("/api/offers?q={}", "a".repeat(16 * 1024))))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 414);
    let problem: Value = long.json().await.unwrap();
    assert!(problem["type"]
        .as_str()
        .unwrap()
        .ends_with("/problems/uri-too-long"));
    assert!(
        problem["detail"].as_str().unwrap().contains("8192"),
        "{problem}"
    );
    let big = hub
        .client
        .get(hub.url("/api/offers"))
        .header("x-big", "a".repeat(64 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 431);
    let problem: Value = big.json().await.unwrap();
    assert!(problem["type"]
        .as_str()
        .unwrap()
        .ends_with("/problems/header-fields-too-large"));

    // A megabyte of head, as the probe sent it: answered with the same problems, not reset.
    let long_url = [
        b"GET /api/offers?q=".to_vec(),
        vec![b'a'; 1 << 20],
        b" HTTP/1.1\r\nHost: hub\r\n\r\n".to_vec(),
    ]
    .concat();
    let big_header = [
        b"GET /api/offers HTTP/1.1\r\nHost: hub\r\nX-Big: ".to_vec(),
        vec![b'a'; 1 << 20],
        b"\r\n\r\n".to_vec(),
    ]
    .concat();
    let base = hub.url("");
    let (url_answer, header_answer) = tokio::task::spawn_blocking(move || {
        (raw_answer(&base, long_url), raw_answer(&base, big_header))
    })
    .await
    .unwrap();
    for (answer, status, kind) in [
        (&url_answer, "414", "uri-too-long"),
        (&header_answer, "431", "header-fields-too-large"),
    ] {
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "a 1 MB head is answered {status}: {:?}",
            answer.lines().next()
        );
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains(&format!("/problems/{kind}")), "{answer}");
    }
    hub.stop().await;
}

async fn a_slow_mail_server_does_not_hold_the_queue(backend: Backend) {
    // One second per message: one message at a time would take eight seconds for eight.
    let smtp = SmtpServer::start_slow(std::time::Duration::from_secs(1));
    let hub = TestHub::with_mail(backend, &smtp).await;
    let people: Vec<String> = (0..8).map(|i| format!("reader{i}@example.eu")).collect();
    for email in &people {
        person(&hub, email, &["trainee"], None).await;
    }
    let started = std::time::Instant::now();
    for email in &people {
        let res = hub
            .client
            .post(hub.url("/api/auth/password-reset"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    for email in &people {
        smtp.wait_for(email, "").await;
    }
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(6),
        "eight messages to a 1 s/message server took {took:?}"
    );
    hub.stop().await;
}

async fn staff_cannot_probe_who_has_an_account(backend: Backend) {
    use crate::offers::{cast, draft, publish, Call};
    let hub = TestHub::empty(backend).await;
    let c = cast(&hub).await;
    person(&hub, "coach@example.eu", &["trainer"], None).await;
    person(&hub, "stranger@example.eu", &["trainee"], None).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;

    // An employer naming people who are not its employees: one answer, whoever they are.
    let mut answers = Vec::new();
    for email in [
        "nobody@example.eu",
        "coach@example.eu",
        "stranger@example.eu",
    ] {
        let (status, _, body) = call
            .send(
                "POST",
                &format!("/api/offers/{offer}/applications"),
                Some(&c.employer),
                None,
                Some(json!({ "employee_email": email })),
            )
            .await;
        answers.push((status, body["errors"].clone()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 400);
    let created: i64 = {
        use diesel::prelude::*;
        use hub::db::schema::applications;
        let mut conn = hub.pool().get().unwrap();
        applications::table.count().get_result(&mut conn).unwrap()
    };
    assert_eq!(
        created, 0,
        "no application for anyone the employer does not employ"
    );

    // A provider naming trainers: an unknown address and a non-trainer look the same.
    let mut answers = Vec::new();
    for email in ["nobody@example.eu", "stranger@example.eu"] {
        let (status, _, body) = call
            .send(
                "POST",
                &format!("/api/offers/{offer}/trainers"),
                Some(&c.provider),
                None,
                Some(json!({ "email": email })),
            )
            .await;
        answers.push((status, body["errors"].clone()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 400);
    hub.stop().await;
}

/// Schemathesis, the reference OpenAPI fuzzer, when installed (run as a Python module, which
/// needs no console script on the PATH); `None` (with the reason printed) where it is not,
/// unless `HUB_TEST_REQUIRE_SCHEMATHESIS=1` (CI) makes that a failure.
fn schemathesis() -> Option<&'static str> {
    let found = std::process::Command::new("python3")
        .args(["-m", "schemathesis.cli", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("schemathesis.cli");
    }
    let required = std::env::var("HUB_TEST_REQUIRE_SCHEMATHESIS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "schemathesis is required here: python3 -m pip install schemathesis"
    );
    eprintln!("skipped: schemathesis is not installed (python3 -m pip install schemathesis)");
    None
}

/// Fuzzes every operation of the hub's own OpenAPI document against the live hub: no server
/// error, no status code the document does not name, no answer that breaks its schema.
fn fuzz(module: &str, base: &str, token: Option<&str>) -> (bool, String) {
    let seed = std::env::var("HUB_FUZZ_SEED").unwrap_or_else(|_| "20261204".into());
    let workdir = tempfile::tempdir().expect("a working directory");
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-m", module, "run", &format!("{base}/api/openapi.json")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            // One worker: Hypothesis's caches are not safe across threads of one process (a
            // KeyError inside Schemathesis was seen once with two).
            "--workers",
            "1",
            "--seed",
            &seed,
            "--no-color",
            "--generation-with-security-parameters",
            "false",
        ])
        // Each run in a directory of its own: Hypothesis keeps its example database in the
        // working directory, and the two backends' runs go at once.
        .current_dir(workdir.path());
    if let Some(token) = token {
        cmd.args(["--header", &format!("Authorization: Bearer {token}")]);
    }
    let out = cmd.output().expect("schemathesis runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

async fn the_openapi_document_holds_under_fuzzing(backend: Backend) {
    let Some(tool) = schemathesis() else { return };
    // Demo data gives the fuzzer offers to find; the limits are out of its way.
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_RATE_PER_MINUTE", "100000000"),
            ("HUB_SIGNIN_RATE_PER_MINUTE", "100000000"),
        ],
        Vec::new(),
    )
    .await;
    person(&hub, "fuzz@example.eu", &["superadmin"], None).await;
    let admin = bearer(&hub, "fuzz@example.eu").await;
    let base = hub.url("").trim_end_matches('/').to_string();
    let (anonymous, signed_in) = tokio::task::spawn_blocking(move || {
        (fuzz(tool, &base, None), fuzz(tool, &base, Some(&admin)))
    })
    .await
    .unwrap();
    assert!(
        anonymous.0,
        "anonymous fuzzing found problems:\n{}",
        anonymous.1
    );
    assert!(
        signed_in.0,
        "a superadmin's fuzzing found problems:\n{}",
        signed_in.1
    );
    // The fuzzer did not lock its own superadmin out.
    assert_eq!(token(&hub, "fuzz@example.eu", PASSWORD).await.0, 200);
    hub.stop().await;
}

async fn erasure_password_checks_meet_the_lockout(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "holder@example.eu", &["trainee"], None).await;
    let stolen = bearer(&hub, "holder@example.eu").await;
    let me: Value = hub
        .client
        .get(hub.url("/api/me"))
        .bearer_auth(&stolen)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut answers = Vec::new();
    for i in 0..7 {
        let res = hub
            .client
            .delete(hub.url("/api/me"))
            .bearer_auth(&stolen)
            .header("if-match", format!("\"{}\"", me["version"]))
            .json(&json!({ "password": format!("Guess-number-{i}!") }))
            .send()
            .await
            .unwrap();
        answers.push(res.status().as_u16());
    }
    assert_eq!(answers, [400, 400, 400, 400, 400, 423, 423], "{answers:?}");
    hub.stop().await;
}
