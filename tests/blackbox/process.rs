//! The `hub` binary as an operator runs it: first start on a bare data directory, a second start,
//! SIGTERM and SIGINT, JSON logs, `check-config` and `admin create`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{Backend, TestDb};

crate::both_backends!(
    two_starts_on_a_bare_data_dir_then_signals,
    admin_create_reads_the_password_from_stdin_and_enforces_the_policy,
    migrate_and_demo_data_commands_are_idempotent,
    oidc_clients_and_keys_from_the_command_line,
);

/// The binary with nothing of the caller's environment, so only what the test sets applies.
fn hub(test_db: &TestDb, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hub"));
    cmd.args(args)
        .env_clear()
        .current_dir(test_db.dir.path())
        .env("HUB_BIND", "127.0.0.1:0")
        .env("HUB_DATA_DIR", test_db.dir.path().join("data"))
        .env("HUB_WORKERS", "1");
    if test_db.backend == Backend::Postgres {
        cmd.env("DATABASE_URL", &test_db.url);
    }
    cmd
}

struct Started {
    child: Child,
    stdout: Vec<String>,
    stderr: mpsc::Receiver<String>,
    base: String,
}

/// A test that fails half-way leaves no hub process behind.
impl Drop for Started {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start(test_db: &TestDb) -> Started {
    let mut command = hub(test_db, &[]);
    command
        .env("HUB_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut started = Started {
        child: command.spawn().expect("the hub binary starts"),
        stdout: Vec::new(),
        stderr: mpsc::channel().1,
        base: String::new(),
    };
    let (out_tx, out_rx) = mpsc::channel();
    let stdout = started.child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let (err_tx, err_rx) = mpsc::channel();
    let stderr_pipe = started.child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    started.stderr = err_rx;
    loop {
        let line = out_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the hub announces its address within a minute");
        if let Some(addr) = line.strip_prefix("Training Registry Hub on ") {
            started.base = addr.trim_end_matches('/').to_string();
            return started;
        }
        started.stdout.push(line);
    }
}

/// Sends `signal` and waits for the process to end; returns its stderr lines.
fn stop(mut s: Started, signal: i32) -> Vec<String> {
    send_signal(s.child.id(), signal);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the hub did not stop within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "a signalled hub exits cleanly, got {status}"
    );
    std::thread::sleep(Duration::from_millis(100));
    s.stderr.try_iter().collect()
}

/// Through `kill(1)`, since the workspace forbids `unsafe` (and so `libc::kill`).
fn send_signal(pid: u32, signal: i32) {
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {pid}");
}

async fn two_starts_on_a_bare_data_dir_then_signals(backend: Backend) {
    let test_db = TestDb::new(backend);
    let first = start(&test_db);
    assert!(
        first.stdout.iter().any(|l| l.contains("DEMO ONLY")),
        "the first start prints the demo credentials: {:?}",
        first.stdout
    );
    let data = test_db.dir.path().join("data");
    assert!(
        data.join("master.key").exists(),
        "a master key is generated on first start"
    );
    if backend == Backend::Sqlite {
        assert!(
            data.join("hub.db").exists(),
            "the SQLite file is created under the data dir"
        );
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let ready = client
        .get(format!("{}/readyz", first.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let offers: serde_json::Value = client
        .get(format!("{}/api/offers", first.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = offers["meta"]["pagination"]["total"].as_i64().unwrap();
    assert!(total >= 30);

    let logs = tokio::task::spawn_blocking(move || stop(first, 15))
        .await
        .unwrap();
    for line in &logs {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("HUB_LOG_FORMAT=json logs JSON lines, got {line:?}"));
        assert!(parsed.get("level").is_some());
    }
    assert!(
        logs.iter().any(|l| l.contains("SIGTERM received")),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l.contains("shutdown complete")),
        "{logs:?}"
    );
    for line in &logs {
        assert!(!line.contains("-7\""), "no demo password reaches the log");
    }

    let second = start(&test_db);
    assert!(
        !second.stdout.iter().any(|l| l.contains("DEMO ONLY")),
        "the second start creates no demo data"
    );
    let offers: serde_json::Value = client
        .get(format!("{}/api/offers", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        offers["meta"]["pagination"]["total"].as_i64().unwrap(),
        total
    );
    let logs = tokio::task::spawn_blocking(move || stop(second, 2))
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l.contains("SIGINT received")),
        "{logs:?}"
    );
}

async fn admin_create_reads_the_password_from_stdin_and_enforces_the_policy(backend: Backend) {
    let test_db = TestDb::new(backend);
    let run = |password: &str| {
        let mut child = hub(
            &test_db,
            &[
                "admin",
                "create",
                "--email",
                "Root@Example.EU",
                "--password-stdin",
            ],
        )
        .env("HUB_DEMO_DATA", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run("short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let ok = run("a-Long-enough-pass-9");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("superadmin created"));
    let again = run("a-Long-enough-pass-9");
    assert!(
        !again.status.success(),
        "the same (normalised) e-mail cannot be created twice"
    );

    let url = if backend == Backend::Sqlite {
        format!(
            "sqlite://{}",
            test_db.dir.path().join("data/hub.db").display()
        )
    } else {
        test_db.url.clone()
    };
    let pool = hub::db::Db::connect(&url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    use diesel::prelude::*;
    use hub::db::schema::{audit_log, user_roles, users};
    let (id, email): (String, String) = users::table
        .select((users::id, users::email))
        .first(&mut conn)
        .unwrap();
    assert_eq!(email, "root@example.eu");
    let roles: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(&id))
        .select(user_roles::role)
        .load(&mut conn)
        .unwrap();
    assert_eq!(roles, ["superadmin"]);
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("admin.create"))
        .filter(audit_log::subject_id.eq(&id))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(audited, 1);

    let config = hub(&test_db, &["check-config"])
        .env(
            "HUB_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("DATABASE_URL", "postgres://hub:s3cret@db.example/hub")
        .output()
        .unwrap();
    assert!(config.status.success());
    let text = String::from_utf8_lossy(&config.stdout);
    assert!(text.contains("HUB_MASTER_KEY") && text.contains("***"));
    assert!(!text.contains("AAECAwQF") && !text.contains("s3cret"));
    assert!(text.contains("HUB_BIND") && text.contains("environment"));
}

async fn migrate_and_demo_data_commands_are_idempotent(backend: Backend) {
    let test_db = TestDb::new(backend);
    let run = |args: &[&str]| {
        let out = hub(&test_db, args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let first = run(&["migrate"]);
    let applied: usize = first.split(' ').next().unwrap().parse().unwrap();
    assert!(applied >= 1, "{first}");
    assert!(run(&["migrate"]).starts_with("0 migration(s) applied"));
    assert!(run(&["demo-data"]).contains("DEMO ONLY"));
    assert!(run(&["demo-data"]).contains("already present"));
}

async fn oidc_clients_and_keys_from_the_command_line(backend: Backend) {
    let test_db = TestDb::new(backend);
    let run = |args: &[&str]| {
        let out = hub(&test_db, args)
            .env("HUB_DEMO_DATA", "false")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, stdout, stderr) = run(&[
        "oidc-client",
        "add",
        "--name",
        "Chamilo",
        "--redirect-uri",
        "https://lms.example.eu/plugin/oauth2/src/callback.php",
        "--post-logout-redirect-uri",
        "https://lms.example.eu/",
        "--first-party",
    ]);
    assert!(ok, "{stderr}");
    let created: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("JSON on standard output");
    assert_eq!(created["client_id"].as_str().unwrap().len(), 32);
    assert!(created["client_secret"].as_str().unwrap().len() >= 43);
    let (ok, _, stderr) = run(&[
        "oidc-client",
        "add",
        "--name",
        "Bad",
        "--redirect-uri",
        "not a url",
    ]);
    assert!(!ok && stderr.contains("redirect_uri"), "{stderr}");
    let (ok, public, _) = run(&[
        "oidc-client",
        "add",
        "--name",
        "SPA",
        "--redirect-uri",
        "https://spa.example.eu/cb",
        "--public",
    ]);
    assert!(ok);
    assert!(
        serde_json::from_str::<serde_json::Value>(public.trim()).unwrap()["client_secret"]
            .is_null()
    );

    let (ok, first, stderr) = run(&["keys", "rotate"]);
    assert!(ok, "{stderr}");
    let (ok, second, _) = run(&["keys", "rotate"]);
    assert!(ok);
    assert_ne!(first, second);
    let url = if backend == Backend::Sqlite {
        format!(
            "sqlite://{}",
            test_db.dir.path().join("data/hub.db").display()
        )
    } else {
        test_db.url.clone()
    };
    let pool = hub::db::Db::connect(&url, 1).unwrap();
    use diesel::prelude::*;
    use hub::db::schema::signing_keys;
    let keys: Vec<(String, Option<chrono::NaiveDateTime>)> = signing_keys::table
        .order(signing_keys::created_at)
        .select((signing_keys::kid, signing_keys::retired_at))
        .load(&mut pool.get().unwrap())
        .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys[0].1.is_some() && keys[1].1.is_none(),
        "the new key signs, the old one is retired"
    );
}
