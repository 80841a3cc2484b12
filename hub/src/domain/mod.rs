//! The registry's rules, one module (or folder) per concept. Nothing here knows about HTTP:
//! functions take a database connection and plain values and return the hub's
//! [`crate::error::Error`].
//!
//! The modules stand in ranks, listed below from the leaves up. A module imports only modules of
//! a lower rank, never one of its own rank or above (the test at the end of this file reads the
//! sources and fails otherwise), so there are no circles and each new concept has an obvious
//! place: as low as what it needs allows.
//!
//! The pattern every state change follows: a function that takes the connection, the
//! [`Actor`] and plain input, opens its own `write_transaction`, checks its rules, writes, and
//! tells of the change with `events::record` (the outbox event and, for security-relevant kinds,
//! the audit line) before the transaction commits. `offers::workflow::submit` is a short example.

// rank 0: words and numbers
pub mod money;
pub mod vocabulary;

// rank 1: who did what
pub mod audit;

// rank 2: the outbox's events and their deliveries; what sessions and partner keys are
pub mod api_keys;
pub mod deliveries;
pub mod events;
pub mod sessions;

// rank 3: leaves of the registry
pub mod notifications;
pub mod organisations;

// rank 4: people and offers
pub mod accounts;
pub mod offers;

// rank 5: what people do with offers and with each other
pub mod announcements;
pub mod applications;
pub mod employees;
pub mod oidc;
pub mod ratings;
pub mod reminders;
pub mod signin;
pub mod trainers;
pub mod upstream;

// rank 6: read models composed over the ranks below, and privacy across them
pub mod catalogue;
pub mod completion;
pub mod privacy;

// rank 7: the registry as others see it, over the read models: Europass, and the badges
// completions earn
pub mod badges;
pub mod europass;

// rank 8: publishing the registry, and the learning engine
pub mod chamilo;
pub mod qdr;
pub mod xapi;

pub use audit::Actor;

#[cfg(test)]
mod ranks {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// The ranks as this file declares them: `// rank N` heads each group of `pub mod`s.
    fn declared() -> BTreeMap<String, u32> {
        let mut ranks = BTreeMap::new();
        let mut rank = None;
        for line in include_str!("mod.rs").lines() {
            if let Some(n) = line.strip_prefix("// rank ") {
                rank = n.split(':').next().and_then(|n| n.trim().parse().ok());
            } else if let Some(name) = line.strip_prefix("pub mod ") {
                let name = name.trim_end_matches(';').to_string();
                ranks.insert(
                    name,
                    rank.expect("every module stands under a `// rank N` line"),
                );
            }
        }
        ranks
    }

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The domain modules a file names: `crate::domain::x`, and `super::x` from a top-level
    /// file (or `super::super::x` from a file inside a concept's folder).
    fn named(source: &str, depth: usize) -> Vec<String> {
        let mut prefixes = vec!["crate::domain::".to_string()];
        prefixes.push("super::".repeat(depth));
        let mut found = Vec::new();
        for prefix in &prefixes {
            for (at, _) in source.match_indices(prefix.as_str()) {
                // `super::super::x` also contains `super::x`; only whole prefixes count.
                let before = &source[..at];
                if before.ends_with("super::") || before.ends_with("domain::") {
                    continue;
                }
                let rest = &source[at + prefix.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
            // `use super::{a, b::{c, d}, e as f}` from a top-level file: the names at the
            // group's first level.
            for (at, _) in source.match_indices(&format!("{prefix}{{")) {
                let mut depth = 0;
                let mut name = String::new();
                let mut at_first_word = true;
                for c in source[at + prefix.len() + 1..].chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.push(std::mem::take(&mut name));
                            at_first_word = true;
                        }
                        c if depth == 0 && at_first_word && (c.is_alphanumeric() || c == '_') => {
                            name.push(c)
                        }
                        c if depth == 0 && !name.is_empty() && !c.is_whitespace() => {
                            at_first_word = false
                        }
                        c if c.is_whitespace() && !name.is_empty() => at_first_word = false,
                        _ => {}
                    }
                }
                found.push(name);
            }
        }
        found.retain(|n| !n.is_empty());
        found
    }

    #[test]
    fn no_module_imports_its_own_rank_or_above() {
        let ranks = declared();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut wrong = Vec::new();
        for file in files {
            let relative = file.strip_prefix(&root).unwrap();
            let parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if parts == ["mod"] {
                continue;
            }
            let module = parts[0].clone();
            // `offers/workflow.rs` is two deep; `offers/mod.rs` and `audit.rs` are one.
            let depth = if parts.len() > 1 && parts.last().unwrap() != "mod" {
                2
            } else {
                1
            };
            let Some(&own) = ranks.get(&module) else {
                wrong.push(format!("{} is not declared in mod.rs", relative.display()));
                continue;
            };
            let source = std::fs::read_to_string(&file).unwrap();
            // `use crate::domain;` would let `domain::x` past the check below.
            if source.contains("use crate::domain;") || source.contains("use crate::domain as") {
                wrong.push(format!(
                    "{} names the domain as a whole",
                    relative.display()
                ));
            }
            for other in named(&source, depth) {
                if other == module {
                    continue;
                }
                if let Some(&theirs) = ranks.get(&other) {
                    if theirs >= own {
                        wrong.push(format!(
                            "{} (rank {own}) imports {other} (rank {theirs})",
                            relative.display()
                        ));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_check_sees_each_way_of_naming_a_module() {
        let src = "use super::{offers as offer, money::Money};\nlet x = crate::domain::applications::get();";
        assert_eq!(named(src, 1), vec!["applications", "offers", "money"]);
        let nested = "use crate::domain::{accounts::{self, Person}, audit};";
        assert_eq!(named(nested, 1), vec!["accounts", "audit"]);
        let nested = "use super::super::notifications;\nuse super::input::X;";
        assert_eq!(named(nested, 2), vec!["notifications"]);
    }
}
