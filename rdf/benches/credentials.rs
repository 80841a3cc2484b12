//! What a badge costs: signing (JSON-LD expansion, RDFC-1.0 of the credential and of the proof
//! options, Ed25519) and verifying one, and baking it into a PNG. Prints figures; asserts
//! nothing (`cargo bench -p rdf --bench credentials`).

use std::time::Instant;

use rdf::credentials::{badge, baking, proof, schema};

fn award(i: usize) -> badge::Award {
    badge::Award {
        id: format!("https://hub.example/api/badges/{i}"),
        issuer: badge::Issuer {
            id: "https://hub.example/issuers/acme".into(),
            name: "ACME Training".into(),
            url: Some("https://acme.example/".into()),
            email: None,
        },
        achievement: badge::Achievement {
            id: "https://hub.example/api/offers/o/badges/b".into(),
            name: "Spreadsheets for analysts".into(),
            description: "Pivot tables, lookups and charts.".into(),
            criteria: "Completes the training.".into(),
            achievement_type: "CertificateOfCompletion".into(),
            image: Some("https://hub.example/api/offers/o/badges/b/image.png".into()),
            eqf_level: Some(5),
            ects: Some(2.0),
            skills: vec![(
                "http://data.europa.eu/esco/skill/3a8c5b3b-7d3f-4e5e-8c2e-0b8f7c3b0d5e".into(),
                "use spreadsheets software".into(),
            )],
            language: Some("pl".into()),
        },
        recipient_email: format!("person{i}@example.eu"),
        salt: "0123456789abcdef".into(),
        valid_from: "2026-12-01T10:00:00Z".into(),
        valid_until: None,
        status_list: "https://hub.example/status/acme".into(),
        status_index: i,
        evidence_id: format!("https://hub.example/api/applications/{i}"),
        evidence_narrative: "Completed the training.".into(),
    }
}

fn main() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let method = format!(
        "https://hub.example/issuers/acme#{}",
        proof::public_multikey(&key.verifying_key())
    );
    let n = 200;
    let started = Instant::now();
    let signed: Vec<_> = (0..n)
        .map(|i| badge::signed(&award(i), &key, &method, "2026-12-01T10:00:00Z").unwrap())
        .collect();
    let sign = started.elapsed() / n as u32;
    let started = Instant::now();
    for s in &signed {
        proof::verify(s, &key.verifying_key()).unwrap();
    }
    let verify = started.elapsed() / n as u32;
    let started = Instant::now();
    for s in &signed {
        assert!(schema::errors(s).is_empty());
    }
    let check = started.elapsed() / n as u32;
    let image = baking::default_image(b"bench");
    let started = Instant::now();
    for s in signed.iter().take(50) {
        baking::extract(&baking::bake(&image, &s.to_string()).unwrap()).unwrap();
    }
    let bake = started.elapsed() / 50;
    println!("per badge, one core: sign {sign:?}, verify {verify:?}, schema check {check:?}, bake + extract (256 px) {bake:?}");
    println!(
        "so one core signs about {:.0} badges a second",
        1.0 / sign.as_secs_f64()
    );
}
