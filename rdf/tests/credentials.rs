//! Open Badges credentials against the official conformance data in `../shared/conformance/ob3/`
//! (read where it lies): both eddsa-rdfc-2022 test vectors reproduced byte for byte, the hub's
//! contexts held to the official copies, and a built badge valid against the 1EdTech schema.

use std::path::PathBuf;

use rdf::credentials::{badge, canon, contexts, proof, status_list};
use serde_json::Value;

fn ob3(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/ob3")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(ob3(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The official context files, by URL (the W3C examples context is one line of the VC 2.0
/// spec, `{"@vocab": "https://www.w3.org/ns/credentials/examples#"}`, and has no file there).
fn official(url: &str) -> Option<String> {
    let file = match url {
        contexts::CREDENTIALS_V2 => "credentials-v2.jsonld",
        contexts::OB_V3P0 => "ob-v3p0-context-3.0.3.json",
        contexts::OB_EXTENSIONS => "ob-v3p0-extensions.json",
        contexts::DATA_INTEGRITY_V2 => "data-integrity-v2.jsonld",
        contexts::MULTIKEY_V1 => "multikey-v1.jsonld",
        contexts::CREDENTIALS_EXAMPLES_V2 => {
            return contexts::context(url).map(str::to_string);
        }
        _ => return None,
    };
    Some(read(&format!("contexts/{file}")))
}

fn without_proof(signed: &Value) -> (Value, Value) {
    let mut doc = signed.clone();
    let proof = doc.as_object_mut().unwrap().remove("proof").unwrap();
    (doc, proof)
}

#[test]
fn the_1edtech_vector_is_reproduced_byte_for_byte() {
    let signed = json("test-vectors/1edtech/signed-credential.json");
    let keys = json("test-vectors/1edtech/keys.json");
    let (doc, want) = without_proof(&signed);
    assert_eq!(
        canon::canonical_nquads(&doc).unwrap(),
        read("test-vectors/1edtech/document-canon.txt")
    );
    let seed = keys["privateKeyHexSeedThenPublic"].as_str().unwrap();
    let seed: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap());
    assert_eq!(
        proof::public_multikey(&key.verifying_key()),
        keys["publicKeyMultibase"]
    );
    let ours = proof::sign(
        &doc,
        &key,
        want["verificationMethod"].as_str().unwrap(),
        want["created"].as_str().unwrap(),
    )
    .unwrap();
    let mut config = ours["proof"].clone();
    config.as_object_mut().unwrap().remove("proofValue");
    config["@context"] = doc["@context"].clone();
    assert_eq!(
        canon::canonical_nquads(&config).unwrap(),
        read("test-vectors/1edtech/proof-canon.txt")
    );
    assert_eq!(ours["proof"]["proofValue"], want["proofValue"]);
    assert_eq!(ours, signed, "the whole signed credential");
    proof::verify(&signed, &key.verifying_key()).unwrap();
}

#[test]
fn the_w3c_vector_is_reproduced_byte_for_byte() {
    let dir = "test-vectors/w3c-eddsa-rdfc-2022";
    let unsigned = json(&format!("{dir}/unsigned.json"));
    let keys = json(&format!("{dir}/keyPair.json"));
    let config = json(&format!("{dir}/proofConfigDataInt.json"));
    let signed = json(&format!("{dir}/signedDataInt.json"));
    let key = proof::decode_secret_multikey(keys["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(
        proof::public_multikey(&key.verifying_key()),
        keys["publicKeyMultibase"]
    );
    assert_eq!(
        canon::canonical_nquads(&unsigned).unwrap(),
        read(&format!("{dir}/canonDocDataInt.txt"))
    );
    assert_eq!(
        canon::canonical_nquads(&config).unwrap(),
        read(&format!("{dir}/proofCanonDataInt.txt"))
    );
    let data = proof::hash_data(&unsigned, &config).unwrap();
    assert_eq!(
        hex(&data[..32]),
        read(&format!("{dir}/proofHashDataInt.txt")).trim()
    );
    assert_eq!(
        hex(&data[32..]),
        read(&format!("{dir}/docHashDataInt.txt")).trim()
    );
    assert_eq!(
        hex(&data),
        read(&format!("{dir}/combinedHashDataInt.txt")).trim()
    );
    let ours = proof::sign(
        &unsigned,
        &key,
        config["verificationMethod"].as_str().unwrap(),
        config["created"].as_str().unwrap(),
    )
    .unwrap();
    let value = ours["proof"]["proofValue"].as_str().unwrap();
    assert_eq!(value, read(&format!("{dir}/sigBTC58DataInt.txt")).trim());
    assert_eq!(
        hex(&bs58::decode(&value[1..]).into_vec().unwrap()),
        read(&format!("{dir}/sigHexDataInt.txt")).trim()
    );
    assert_eq!(ours, signed);
}

#[test]
fn one_changed_character_breaks_the_signature() {
    let signed = json("test-vectors/1edtech/signed-credential.json");
    let key =
        proof::decode_public_multikey("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi").unwrap();
    proof::verify(&signed, &key).unwrap();
    for (path, value) in [
        ("/credentialSubject/achievement/name", "Teamworj"),
        ("/issuer/name", "Example Corq"),
        ("/validFrom", "2010-01-01T00:00:01Z"),
        ("/proof/created", "2010-01-01T19:23:25Z"),
    ] {
        let mut changed = signed.clone();
        *changed.pointer_mut(path).unwrap() = value.into();
        assert_eq!(
            proof::verify(&changed, &key),
            Err(rdf::credentials::CredentialError::BadSignature),
            "{path}"
        );
    }
    let mut changed = signed.clone();
    let mut value = changed["proof"]["proofValue"].as_str().unwrap().to_string();
    value.replace_range(5..6, if &value[5..6] == "a" { "b" } else { "a" });
    changed["proof"]["proofValue"] = value.into();
    assert!(proof::verify(&changed, &key).is_err(), "the proof value");
}

fn sample_badge() -> Value {
    badge::credential(&sample_award())
}

fn sample_award() -> badge::Award {
    badge::Award {
        id: "https://hub.example/badges/4b1c".into(),
        issuer: badge::Issuer {
            id: "https://hub.example/issuers/acme".into(),
            name: "ACME Training".into(),
            url: Some("https://acme.example/".into()),
            email: Some("badges@acme.example".into()),
        },
        achievement: badge::Achievement {
            id: "https://hub.example/achievements/9".into(),
            name: "Excel for analysts".into(),
            description: "Pivot tables, lookups and charts.".into(),
            criteria: "Completes every learning path of the course.".into(),
            achievement_type: "CertificateOfCompletion".into(),
            image: Some("https://hub.example/achievements/9/image.png".into()),
            eqf_level: Some(5),
            ects: Some(2.5),
            skills: vec![(
                "http://data.europa.eu/esco/skill/3a8c5b3b-7d3f-4e5e-8c2e-0b8f7c3b0d5e".into(),
                "use spreadsheets software".into(),
            )],
            language: Some("pl".into()),
        },
        recipient_email: "ewa@example.eu".into(),
        salt: "f00d".into(),
        valid_from: "2026-12-01T10:00:00Z".into(),
        valid_until: Some("2029-12-01T10:00:00Z".into()),
        status_list: "https://hub.example/status/acme".into(),
        status_index: 23,
        evidence_id: "https://hub.example/completions/77".into(),
        evidence_narrative: "Completed on 1 December 2026.".into(),
    }
}

#[test]
fn the_hub_contexts_expand_as_the_official_copies_do() {
    for (url, file, text) in contexts::ALL {
        let ours: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let theirs: Value = serde_json::from_str(&official(url).unwrap()).unwrap();
        assert_eq!(ours, theirs, "{file} says what {url} says");
    }
    let status = status_list::credential(
        "https://hub.example/status/acme",
        &serde_json::json!("https://hub.example/issuers/acme"),
        "2026-12-01T10:00:00Z",
        status_list::encode(0, [23]),
    );
    let mut extended = sample_badge();
    extended["@context"]
        .as_array_mut()
        .unwrap()
        .push(contexts::OB_EXTENSIONS.into());
    extended["credentialSchema"] = serde_json::json!([{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"
    }]);
    let profile = serde_json::json!({
        "@context": [contexts::controller_terms(), contexts::CREDENTIALS_V2, contexts::OB_V3P0, contexts::MULTIKEY_V1],
        "id": "https://hub.example/issuers/acme", "type": ["Profile"], "name": "ACME",
        "assertionMethod": ["https://hub.example/issuers/acme#key-1"],
        "verificationMethod": [{"id": "https://hub.example/issuers/acme#key-1", "type": "Multikey",
            "controller": "https://hub.example/issuers/acme",
            "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"}]
    });
    for doc in [
        json("test-vectors/1edtech/signed-credential.json"),
        json("test-vectors/w3c-eddsa-rdfc-2022/signedDataInt.json"),
        sample_badge(),
        extended,
        status,
        profile,
    ] {
        let ours = canon::canonical_nquads(&doc).unwrap();
        assert!(!ours.is_empty());
        assert_eq!(
            ours,
            canon::canonical_nquads_with(&doc, official).unwrap(),
            "{doc}"
        );
    }
}

#[test]
fn a_context_the_hub_does_not_hold_is_named_not_fetched() {
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx.json"],
        "id": "urn:x", "type": ["VerifiableCredential"]
    });
    assert_eq!(
        canon::canonical_nquads(&doc),
        Err(rdf::credentials::CredentialError::UnknownContext(
            "https://evil.example/ctx.json".into()
        ))
    );
}

/// libxml2's counterpart for JSON: Python `jsonschema` (draft 2019-09), the reference the field
/// uses; skipped with a message where it is missing, required when `HUB_TEST_REQUIRE_JSONSCHEMA`
/// is set (CI).
#[test]
fn a_built_badge_is_valid_against_the_1edtech_schema() {
    let check = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status();
    if !matches!(check, Ok(s) if s.success()) {
        assert!(
            std::env::var_os("HUB_TEST_REQUIRE_JSONSCHEMA").is_none(),
            "Python jsonschema is required (pip install jsonschema)"
        );
        eprintln!("skipped: Python jsonschema is not installed");
        return;
    }
    let key =
        proof::decode_secret_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").unwrap();
    let signed = badge::signed(
        &sample_award(),
        &key,
        "https://hub.example/issuers/acme#key-1",
        "2026-12-01T10:00:00Z",
    )
    .unwrap();
    let errors = schema_errors(&signed);
    assert!(errors.is_empty(), "{errors}");
    proof::verify(&signed, &key.verifying_key()).unwrap();
    let mut broken = signed.clone();
    broken["credentialSubject"]["identifier"][0]["name"] = "Ewa".into();
    broken["validFrom"] = "yesterday".into();
    assert!(!schema_errors(&broken).is_empty(), "the check can fail");
}

fn schema_errors(credential: &Value) -> String {
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(sys.stdin)
v = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
print("\n".join(f"{list(e.path)}: {e.message}" for e in v.iter_errors(doc)))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(ob3("ob_v3p0_achievementcredential_schema.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(credential.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_hub_schema_is_the_official_one() {
    let ours: Value = serde_json::from_str(rdf::credentials::schema::text()).unwrap();
    assert_eq!(ours, json("ob_v3p0_achievementcredential_schema.json"));
    let key =
        proof::decode_secret_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").unwrap();
    let signed = badge::signed(
        &sample_award(),
        &key,
        "https://hub.example/issuers/acme#k",
        "2026-12-01T10:00:00Z",
    )
    .unwrap();
    assert_eq!(
        rdf::credentials::schema::errors(&signed),
        Vec::<String>::new()
    );
    let mut broken = signed.clone();
    broken["credentialSubject"]["identifier"][0]["name"] = "Ewa".into();
    broken["validFrom"] = "yesterday".into();
    assert_eq!(
        rdf::credentials::schema::errors(&broken).len(),
        2,
        "{:?}",
        rdf::credentials::schema::errors(&broken)
    );
}

#[test]
fn a_report_says_item_by_item_what_holds_and_what_fails() {
    use chrono::TimeZone;
    use rdf::credentials::verify::{report, Finding, Item, KeySource, StatusSource};
    // Another issuer, known by a did:key: verified with nothing fetched for the key.
    let key =
        proof::decode_secret_multikey("z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq").unwrap();
    let did = format!("did:key:{}", proof::public_multikey(&key.verifying_key()));
    let mut award = sample_award();
    award.issuer.id = did.clone();
    let signed = badge::signed(
        &award,
        &key,
        &format!("{did}#{}", &did[8..]),
        "2026-12-01T10:00:00Z",
    )
    .unwrap();
    let list = |set: &[usize]| StatusSource::Fetched {
        list: status_list::credential(
            "https://hub.example/status/acme",
            &serde_json::json!(did),
            "2026-12-01T10:00:00Z",
            status_list::encode(0, set.iter().copied()),
        ),
        proof_ok: true,
    };
    let now = chrono::Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let findings = |credential: &Value, status: &StatusSource, now| {
        report(
            credential,
            &rdf::credentials::schema::errors(credential),
            &KeySource::Offline,
            Some(status),
            now,
        )
    };
    let all = findings(&signed, &list(&[]), now);
    assert!(all.iter().all(|(_, f)| f.ok()), "{all:?}");
    assert_eq!(
        all.iter().map(|(i, _)| i.name()).collect::<Vec<_>>(),
        ["schema", "key", "proof", "validity", "status"]
    );
    let revoked = findings(&signed, &list(&[23]), now);
    assert_eq!(revoked[4], (Item::Status, Finding::Revoked));
    let later = chrono::Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(
        findings(&signed, &list(&[]), later)[3].1,
        Finding::Expired(_)
    ));
    let mut changed = signed.clone();
    changed["credentialSubject"]["achievement"]["name"] = "Excel for analystz".into();
    let tampered = findings(&changed, &list(&[]), now);
    assert_eq!(
        tampered[2],
        (
            Item::Proof,
            Finding::Fails("the signature does not match the credential".into())
        )
    );
    let mut other = signed.clone();
    other["issuer"]["id"] = "https://someone.example/".into();
    assert!(
        matches!(findings(&other, &list(&[]), now)[1].1, Finding::Fails(_)),
        "a key the issuer does not control"
    );
    let mut suspension = list(&[]);
    if let StatusSource::Fetched { list, .. } = &mut suspension {
        list["credentialSubject"]["statusPurpose"] = "suspension".into();
    }
    assert!(
        !findings(&signed, &suspension, now)[4].1.ok(),
        "a list for another purpose"
    );
    let failed = StatusSource::Failed("the list did not answer".into());
    assert!(!findings(&signed, &failed, now)[4].1.ok());
}

#[test]
fn a_key_that_only_claims_the_issuer_is_refused() {
    use rdf::credentials::verify::{resolve_key, KeySource};
    let issuer = "https://hub.example/issuers/acme";
    let real = "https://hub.example/issuers/acme#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
    let profile = serde_json::json!({
        "id": issuer, "type": ["Profile"],
        "verificationMethod": [{"id": real, "type": "Multikey", "controller": issuer,
            "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"}],
        "assertionMethod": [real]
    });
    let fetched = |method: Option<Value>| KeySource::Fetched {
        controller: profile.clone(),
        method,
    };
    assert!(resolve_key(real, &fetched(None), issuer).is_ok());
    // A key document anyone can host, naming the issuer as its controller.
    let forged = "https://evil.example/key";
    let claim = serde_json::json!({"id": forged, "type": "Multikey", "controller": issuer,
        "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"});
    assert_eq!(
        resolve_key(forged, &fetched(Some(claim)), issuer).unwrap_err(),
        "the issuer does not list this key for signing credentials"
    );
    // The issuer's document must be the issuer's.
    let mut other = profile.clone();
    other["id"] = "https://evil.example/".into();
    let source = KeySource::Fetched {
        controller: other,
        method: None,
    };
    assert!(resolve_key(real, &source, issuer).is_err());
}
