//! The controlled vocabularies an offer points into, and what a well-formed reference to each
//! looks like. Offers are published to Europass, which rejects references that are not of these
//! shapes, so the hub checks them when an offer is written rather than when QDR refuses it.

/// ELM 3.1/3.2's namespace, which the official SHACL shapes still use (the mapping writes 3.3's,
/// `elm::ELM`; tests map one onto the other before validating).
pub const ELM_3_2: &str = "http://data.europa.eu/snb/model/elm/";
/// ESCO skills and competences live under this prefix, one UUID each.
pub const ESCO_SKILL: &str = "http://data.europa.eu/esco/skill/";
/// ISCED-F 2013 fields of education and training as an EU controlled vocabulary.
pub const ISCED_F: &str = "http://data.europa.eu/snb/isced-f/";
/// EQF levels 1–8 as an EU controlled vocabulary.
pub const EQF: &str = "http://data.europa.eu/snb/eqf/";

/// `http://data.europa.eu/esco/skill/` followed by a lower-case hyphenated UUID.
pub fn is_esco_skill_uri(uri: &str) -> bool {
    uri.strip_prefix(ESCO_SKILL).is_some_and(is_uuid)
}

/// ISCED-F 2013 codes are 2 (broad), 3 (narrow) or 4 (detailed) digits.
pub fn is_isced_f_code(code: &str) -> bool {
    matches!(code.len(), 2..=4) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The EU vocabulary's IRI for an ISCED-F code, e.g. `0613` → `…/isced-f/0613`.
pub fn isced_f_iri(code: &str) -> Option<String> {
    is_isced_f_code(code).then(|| format!("{ISCED_F}{code}"))
}

/// The EU vocabulary's IRI for an EQF level, or `None` outside 1–8.
pub fn eqf_iri(level: i32) -> Option<String> {
    (1..=8).contains(&level).then(|| format!("{EQF}{level}"))
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esco_skill_uris() {
        assert!(is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        ));
        assert!(!is_esco_skill_uri(
            "https://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        ));
        assert!(!is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/not-a-uuid"
        ));
        assert!(!is_esco_skill_uri(
            "http://data.europa.eu/esco/skill/CCD0A1D9-AFDA-43D9-B901-96344886E14D"
        ));
    }

    #[test]
    fn isced_and_eqf() {
        assert_eq!(
            isced_f_iri("0613").as_deref(),
            Some("http://data.europa.eu/snb/isced-f/0613")
        );
        assert_eq!(isced_f_iri("06a"), None);
        assert_eq!(isced_f_iri("1"), None);
        assert_eq!(
            eqf_iri(5).as_deref(),
            Some("http://data.europa.eu/snb/eqf/5")
        );
        assert_eq!(eqf_iri(9), None);
    }
}
