//! The 1EdTech JSON Schema of an `AchievementCredential` (Open Badges 3.0), the project's own
//! file in `schemas/` (a test holds it to the official copy): what a credential's shape must be
//! before its proof is worth checking.

use std::sync::OnceLock;

use serde_json::Value;

const SCHEMA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../schemas/ob-v3p0-achievementcredential-schema.json"
));

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        jsonschema::draft201909::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles")
    })
}

/// What in `credential` breaks the schema, each as `path: reason`; empty when it holds.
pub fn errors(credential: &Value) -> Vec<String> {
    validator()
        .iter_errors(credential)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The schema, as the project holds it (for the test against the official copy).
pub fn text() -> &'static str {
    SCHEMA
}
