//! The interface's four languages (web.md): Fluent message files under `hub/locales/`, compiled
//! into the binary. A message missing in one language falls back to English; a test makes sure
//! none is missing.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

pub const LANGUAGES: [&str; 4] = ["en", "pl", "it", "el"];

const SOURCES: [(&str, &str); 4] = [
    ("en", include_str!("../locales/en/main.ftl")),
    ("pl", include_str!("../locales/pl/main.ftl")),
    ("it", include_str!("../locales/it/main.ftl")),
    ("el", include_str!("../locales/el/main.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static HashMap<&'static str, Bundle> {
    static BUNDLES: OnceLock<HashMap<&'static str, Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(lang, source)| {
                let resource = FluentResource::try_new(source.to_string())
                    .unwrap_or_else(|(_, errors)| panic!("locales/{lang}/main.ftl: {errors:?}"));
                let id: LanguageIdentifier = lang.parse().expect("a valid language tag");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Plain text in mail and attributes: no Unicode isolation marks around arguments.
                bundle.set_use_isolating(false);
                bundle
                    .add_resource(resource)
                    .expect("no message defined twice");
                (*lang, bundle)
            })
            .collect()
    })
}

/// A supported language tag, or English.
pub fn supported(lang: &str) -> &'static str {
    LANGUAGES
        .iter()
        .find(|l| **l == lang)
        .copied()
        .unwrap_or("en")
}

/// The message `key` in `lang` with `args` filled in; English when the language lacks it, and the
/// key itself when even English does (which the tests rule out).
pub fn t(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let all = bundles();
    let bundle = all
        .get(supported(lang))
        .filter(|b| b.has_message(key))
        .unwrap_or(&all["en"]);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.to_string());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// The best of our languages for an `Accept-Language` header (`pl-PL,pl;q=0.9,en;q=0.8`).
pub fn from_accept_language(header: &str) -> Option<&'static str> {
    let mut choices: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    choices.sort_by(|a, b| b.0.total_cmp(&a.0));
    choices.into_iter().find_map(|(_, tag)| {
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        LANGUAGES.iter().find(|l| **l == primary).copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with([' ', '#']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap().to_string())
            .collect()
    }

    #[test]
    fn every_message_exists_in_all_four_languages() {
        let english = keys(SOURCES[0].1);
        assert!(english.len() > 40);
        for (lang, source) in SOURCES {
            let mut theirs = keys(source);
            let mut ours = english.clone();
            theirs.sort();
            ours.sort();
            assert_eq!(
                theirs, ours,
                "locales/{lang}/main.ftl has other keys than English"
            );
            for key in &english {
                assert!(bundles()[lang].has_message(key), "{lang} lacks {key}");
            }
        }
    }

    #[test]
    fn messages_take_arguments_and_fall_back() {
        let body = t(
            "pl",
            "mail-confirm-body",
            &[("name", "Anna"), ("link", "https://x/c?t=1")],
        );
        assert!(body.starts_with("Dzień dobry Anna,"));
        assert!(body.contains("https://x/c?t=1"));
        assert_eq!(t("de", "nav-sign-in", &[]), "Sign in");
        assert_eq!(t("el", "nav-sign-in", &[]), "Σύνδεση");
    }

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(from_accept_language("de-DE,it;q=0.8,en;q=0.5"), Some("it"));
        assert_eq!(from_accept_language("el-GR"), Some("el"));
        assert_eq!(from_accept_language("fr, de"), None);
    }
}
