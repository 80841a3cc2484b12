//! A published offer as an ELM 3.3 `LearningOpportunity` graph (europass.md, "One mapping"):
//! plain input in, RDF quads out, every quad in the offer's named graph `{base}id/offer/{id}`.
//!
//! IRIs are minted under `{base}id/…` from ids the hub made, each path segment percent-encoded
//! all the same, so no text a person typed ever becomes part of an IRI unescaped; no blank node
//! is used, so the same offer always maps to the same graph (a rebuilt store equals the old one). Vocabulary IRIs
//! are those of the reference facts (§3.4): EU NALs for languages, countries and currencies, the
//! ELM schemes for modes, EQF and ISCED-F.

use chrono::{DateTime, NaiveDate, Utc};
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::vocab;

/// ELM 3.3 classes and properties.
pub const ELM: &str = "http://data.europa.eu/snb/model/ontology/";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const ADMS: &str = "http://www.w3.org/ns/adms#";
const ROV: &str = "http://www.w3.org/ns/regorg#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const NAL: &str = "http://publications.europa.eu/resource/authority/";
const MODE: &str = "http://data.europa.eu/snb/learning-assessment/";

/// Everything but letters, digits and `-._~` is escaped in a minted IRI's path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Text in one language (`en`, `pl`, `it`, `el`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub language: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// The hub's id of the organisation.
    pub id: String,
    pub legal_name: String,
    pub homepage: Option<String>,
    /// ELM wants every organisation located; `None` where the registry does not know where
    /// (the graph then lacks it, and the SHACL check says so).
    pub address: Option<Address>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Onsite,
    Online,
    Hybrid,
    Blended,
}

impl Mode {
    /// The ELM mode of learning and assessment: hybrid and blended are both "Blended".
    pub(crate) fn iri(self) -> String {
        let code = match self {
            Mode::Onsite => "9191af2ed9",
            Mode::Online => "920fbb3cbe",
            Mode::Hybrid | Mode::Blended => "e92d221e4d",
        };
        format!("{MODE}{code}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Price {
    /// A decimal, e.g. `3900.00`.
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

/// What the offer leads to: its own specification (at an EQF level, when it has one), or a
/// qualification of another QDR dataset it names. (An `elm:Qualification` of its own would need
/// an NQF level too, which the registry does not record: the EQF level goes on the
/// specification as its `educationLevel`.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Achievement {
    Specification { eqf_level: Option<u8> },
    Reference { scheme: String, identifier: String },
}

/// An offer as the mapping needs it; the hub fills it from its own offer.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningOpportunity {
    /// The hub's id of the offer.
    pub id: String,
    pub titles: Vec<Text>,
    pub descriptions: Vec<Text>,
    /// The offer's public page.
    pub homepage: String,
    pub provider: Organisation,
    /// Two-letter code of the offer's default language.
    pub default_language: String,
    /// Languages of instruction, two-letter codes.
    pub languages: Vec<String>,
    pub isced_f_code: Option<String>,
    /// Each outcome in the languages it is written in.
    pub learning_outcomes: Vec<Vec<Text>>,
    /// ESCO skill URIs the offer teaches.
    pub esco_skills: Vec<String>,
    pub achievement: Achievement,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub hours: u32,
    pub mode: Mode,
    pub application_deadline: Option<NaiveDate>,
    /// `None` when the offer is free.
    pub price: Option<Price>,
    /// Where it takes place; `None` online.
    pub location: Option<Address>,
    pub modified: DateTime<Utc>,
    pub status: String,
}

/// Why an offer cannot be mapped (a value the vocabularies have no IRI for).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MappingError {
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, MappingError> {
    Err(MappingError {
        field,
        message: message.into(),
    })
}

/// The IRI `{base}id/{segments…}`, each segment percent-encoded.
pub fn minted(base: &str, segments: &[&str]) -> NamedNode {
    let mut iri = format!("{}/id", base.trim_end_matches('/'));
    for s in segments {
        iri.push('/');
        iri.extend(utf8_percent_encode(s, SEGMENT));
    }
    NamedNode::new_unchecked(iri)
}

/// The named graph an offer's triples live in.
pub fn offer_graph(base: &str, offer_id: &str) -> NamedNode {
    minted(base, &["offer", offer_id])
}

/// The EU language NAL's code for a two-letter one.
pub(crate) fn language_iri(code: &str) -> Result<NamedNode, MappingError> {
    let nal = match code {
        "en" => "ENG",
        "pl" => "POL",
        "it" => "ITA",
        "el" => "ELL",
        "de" => "DEU",
        "fr" => "FRA",
        "es" => "SPA",
        other => return refuse("languages", format!("no EU language code for {other:?}")),
    };
    Ok(NamedNode::new_unchecked(format!("{NAL}language/{nal}")))
}

/// The EU country NAL's code (ISO 3166-1 alpha-3) for an alpha-2 one, for the countries the
/// registry serves (the EU and EEA members).
pub(crate) fn country_iri(code: &str) -> Result<NamedNode, MappingError> {
    const ALPHA3: [(&str, &str); 31] = [
        ("AT", "AUT"),
        ("BE", "BEL"),
        ("BG", "BGR"),
        ("CY", "CYP"),
        ("CZ", "CZE"),
        ("DE", "DEU"),
        ("DK", "DNK"),
        ("EE", "EST"),
        ("ES", "ESP"),
        ("FI", "FIN"),
        ("FR", "FRA"),
        ("GR", "GRC"),
        ("HR", "HRV"),
        ("HU", "HUN"),
        ("IE", "IRL"),
        ("IS", "ISL"),
        ("IT", "ITA"),
        ("LI", "LIE"),
        ("LT", "LTU"),
        ("LU", "LUX"),
        ("LV", "LVA"),
        ("MT", "MLT"),
        ("NL", "NLD"),
        ("NO", "NOR"),
        ("PL", "POL"),
        ("PT", "PRT"),
        ("RO", "ROU"),
        ("SE", "SWE"),
        ("SI", "SVN"),
        ("SK", "SVK"),
        ("CH", "CHE"),
    ];
    let upper = code.to_ascii_uppercase();
    match ALPHA3.iter().find(|(two, _)| *two == upper) {
        Some((_, three)) => Ok(NamedNode::new_unchecked(format!("{NAL}country/{three}"))),
        None => refuse(
            "address.country",
            format!("no EU country code for {code:?}"),
        ),
    }
}

pub(crate) fn currency_iri(code: &str) -> Result<NamedNode, MappingError> {
    if vocab::is_currency_code(code) {
        Ok(NamedNode::new_unchecked(format!("{NAL}currency/{code}")))
    } else {
        refuse(
            "price.currency",
            format!("{code:?} is not a currency of the EU's authority table"),
        )
    }
}

fn term(prefix: &str, name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{prefix}{name}"))
}

/// A day as the `xs:dateTime` of its start, in UTC.
pub(crate) fn day_start_text(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

fn day_start(d: NaiveDate) -> Literal {
    Literal::new_typed_literal(day_start_text(d), xsd::DATE_TIME)
}

pub(crate) fn timestamp_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `url` when it is an absolute http(s) address with nothing a URI cannot hold: a provider's
/// website is typed by a person, and LOQ wants a real URL where it asks for one.
pub fn web_address(url: &str) -> Option<&str> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let bytes = url.as_bytes();
    // Every `%` starts an escape of two hex digits (libxml2's xs:anyURI insists).
    let escapes_whole = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    let clean = !rest.is_empty()
        && !rest.starts_with('/')
        && escapes_whole
        && url.matches('#').count() <= 1
        && url.chars().all(|c| {
            c.is_ascii_graphic()
                && !matches!(
                    c,
                    '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`' | '[' | ']'
                )
        });
    clean.then_some(url)
}

/// The address on one line: street, postal code, city, as far as known.
pub(crate) fn full_address(address: &Address) -> Option<String> {
    let parts: Vec<&str> = [&address.street, &address.postal_code, &address.city]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The offer's outcomes, each in its languages. Without outcomes written out, the title stands
/// for one: a specification teaches something, and its ESCO skills hang on an outcome.
pub(crate) fn outcomes(lo: &LearningOpportunity) -> Vec<Vec<Text>> {
    // An outcome left blank in every language is no outcome (it would have no title).
    let written: Vec<Vec<Text>> = lo
        .learning_outcomes
        .iter()
        .map(|o| {
            o.iter()
                .filter(|t| !t.text.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|o| !o.is_empty())
        .collect();
    if written.is_empty() {
        vec![lo.titles.clone()]
    } else {
        written
    }
}

/// A qualification of another dataset that offers name: one IRI per identifier, whichever
/// offers name it (LOQ wants each identifier once in a document).
pub fn qualification_reference(base: &str, identifier: &str) -> NamedNode {
    minted(base, &["qualification", identifier])
}

/// The quads of one offer, in its named graph.
struct Graph {
    name: GraphName,
    quads: Vec<Quad>,
    /// The language of texts the offer does not tag (names, addresses): its default one.
    language: String,
}

impl Graph {
    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.quads
            .push(Quad::new(s.into(), p, o.into(), self.name.clone()));
    }

    /// `s p concept`, and the concept typed `skos:Concept`, as the LOQ shapes ask of every
    /// controlled-vocabulary value.
    fn concept(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, concept: NamedNode) {
        self.add(s, p, concept.clone());
        self.add(concept, rdf::TYPE.into_owned(), term(SKOS, "Concept"));
    }

    fn a(&mut self, s: impl Into<NamedOrBlankNode>, class: &str) {
        self.add(s, rdf::TYPE.into_owned(), term(ELM, class));
    }

    fn tagged(&self, text: &str) -> Literal {
        Literal::new_language_tagged_literal_unchecked(text, self.language.clone())
    }

    fn texts(&mut self, s: &NamedNode, p: NamedNode, texts: &[Text]) {
        for t in texts.iter().filter(|t| !t.text.trim().is_empty()) {
            if let Ok(l) = Literal::new_language_tagged_literal(t.text.trim(), &t.language) {
                self.add(s.clone(), p.clone(), l);
            }
        }
    }

    /// A `dcterms:Location` with its `elm:Address`, linked from `owner` by `elm:location`; none
    /// when the country has no EU code (ELM wants one on every address).
    fn location(
        &mut self,
        owner: &NamedNode,
        at: &NamedNode,
        address: &Address,
    ) -> Result<(), MappingError> {
        let Ok(country) = country_iri(&address.country) else {
            return Ok(());
        };
        self.add(owner.clone(), term(ELM, "location"), at.clone());
        self.add(at.clone(), rdf::TYPE.into_owned(), term(DCT, "Location"));
        let addr = NamedNode::new_unchecked(format!("{}/address", at.as_str()));
        self.add(at.clone(), term(ELM, "address"), addr.clone());
        self.a(addr.clone(), "Address");
        self.concept(addr.clone(), term(ELM, "countryCode"), country);
        if let Some(full) = full_address(address) {
            let note = NamedNode::new_unchecked(format!("{}/note", addr.as_str()));
            self.add(addr, term(ELM, "fullAddress"), note.clone());
            self.a(note.clone(), "Note");
            self.add(note, term(ELM, "noteLiteral"), self.tagged(&full));
        }
        if let Some(city) = address.city.as_deref().filter(|c| !c.trim().is_empty()) {
            self.add(
                at.clone(),
                term(ELM, "geographicName"),
                self.tagged(city.trim()),
            );
        }
        Ok(())
    }
}

/// Maps `lo` to its ELM graph under `base` (the hub's public URL).
pub fn learning_opportunity(
    lo: &LearningOpportunity,
    base: &str,
) -> Result<Vec<Quad>, MappingError> {
    if lo.titles.iter().all(|t| t.text.trim().is_empty()) {
        return refuse("title", "an offer needs a title");
    }
    let id = |segments: &[&str]| {
        let mut all = vec!["offer", lo.id.as_str()];
        all.extend_from_slice(segments);
        minted(base, &all)
    };
    let offer = id(&[]);
    let mut g = Graph {
        name: GraphName::NamedNode(offer.clone()),
        quads: Vec::new(),
        language: lo.default_language.clone(),
    };
    g.a(offer.clone(), "LearningOpportunity");
    g.texts(&offer, term(DCT, "title"), &lo.titles);
    g.texts(&offer, term(DCT, "description"), &lo.descriptions);
    g.concept(
        offer.clone(),
        term(DCT, "type"),
        NamedNode::new_unchecked("http://data.europa.eu/snb/learning-opportunity/05053c1cbe"),
    );

    let page = id(&["homepage"]);
    g.add(offer.clone(), term(FOAF, "homepage"), page.clone());
    g.a(page.clone(), "WebResource");
    g.add(
        page,
        term(ELM, "contentUrl"),
        Literal::new_typed_literal(lo.homepage.clone(), xsd::ANY_URI),
    );

    // The provider, and where it is.
    let provider = minted(base, &["organisation", &lo.provider.id]);
    g.add(offer.clone(), term(ELM, "providedBy"), provider.clone());
    g.a(provider.clone(), "Organisation");
    g.add(
        provider.clone(),
        term(ROV, "legalName"),
        g.tagged(lo.provider.legal_name.trim()),
    );
    if let Some(home) = lo.provider.homepage.as_deref().and_then(web_address) {
        let page = minted(base, &["organisation", &lo.provider.id, "homepage"]);
        g.add(provider.clone(), term(FOAF, "homepage"), page.clone());
        g.a(page.clone(), "WebResource");
        g.add(
            page,
            term(ELM, "contentUrl"),
            Literal::new_typed_literal(home, xsd::ANY_URI),
        );
    }
    if let Some(address) = &lo.provider.address {
        let seat = minted(base, &["organisation", &lo.provider.id, "location"]);
        g.location(&provider, &seat, address)?;
    }

    // What the offer leads to.
    let spec = match &lo.achievement {
        Achievement::Reference { identifier, .. } => qualification_reference(base, identifier),
        Achievement::Specification { .. } => id(&["specification"]),
    };
    g.add(
        offer.clone(),
        term(ELM, "learningAchievementSpecification"),
        spec.clone(),
    );
    match &lo.achievement {
        Achievement::Reference { scheme, identifier } => {
            g.a(spec.clone(), "QualificationReference");
            let ident = NamedNode::new_unchecked(format!("{}/identifier", spec.as_str()));
            g.add(spec, term(ADMS, "identifier"), ident.clone());
            g.a(ident.clone(), "Identifier");
            g.add(
                ident.clone(),
                term(SKOS, "notation"),
                Literal::new_simple_literal(identifier.clone()),
            );
            g.add(
                ident,
                term(ELM, "schemeName"),
                Literal::new_simple_literal(scheme.clone()),
            );
        }
        Achievement::Specification { eqf_level } => {
            g.a(spec.clone(), "LearningAchievementSpecification");
            g.texts(&spec, term(DCT, "title"), &lo.titles);
            if let Some(eqf_level) = eqf_level {
                let level = vocab::eqf_iri(i32::from(*eqf_level)).ok_or_else(|| MappingError {
                    field: "eqf_level",
                    message: format!("EQF levels run from 1 to 8, not {eqf_level}"),
                })?;
                g.concept(
                    spec.clone(),
                    term(ELM, "educationLevel"),
                    NamedNode::new_unchecked(level),
                );
            }
            if let Some(code) = &lo.isced_f_code {
                let iri = vocab::isced_f_iri(code).ok_or_else(|| MappingError {
                    field: "isced_f_code",
                    message: format!("{code:?} is not an ISCED-F code"),
                })?;
                g.concept(
                    spec.clone(),
                    term(ELM, "ISCEDFCode"),
                    NamedNode::new_unchecked(iri),
                );
            }
            for language in &lo.languages {
                g.concept(spec.clone(), term(DCT, "language"), language_iri(language)?);
            }
            g.concept(
                spec.clone(),
                term(ELM, "mode"),
                NamedNode::new_unchecked(lo.mode.iri()),
            );
            // Every outcome teaches the offer's ESCO skills: the offer does not say which
            // outcome teaches which.
            for (n, texts) in outcomes(lo).iter().enumerate() {
                let outcome = id(&["outcome", &(n + 1).to_string()]);
                g.add(spec.clone(), term(ELM, "learningOutcome"), outcome.clone());
                g.a(outcome.clone(), "LearningOutcome");
                g.texts(&outcome, term(DCT, "title"), texts);
                for skill in &lo.esco_skills {
                    if !vocab::is_esco_skill_uri(skill) {
                        return refuse("esco_skills", format!("{skill:?} is not an ESCO skill"));
                    }
                    g.concept(
                        outcome.clone(),
                        term(ELM, "relatedESCOSkill"),
                        NamedNode::new_unchecked(skill.clone()),
                    );
                }
            }
        }
    }

    // When, how long, how.
    let period = id(&["period"]);
    g.add(offer.clone(), term(DCT, "temporal"), period.clone());
    g.add(
        period.clone(),
        rdf::TYPE.into_owned(),
        term(DCT, "PeriodOfTime"),
    );
    g.add(
        period.clone(),
        term(ELM, "startDate"),
        day_start(lo.start_date),
    );
    g.add(period, term(ELM, "endDate"), day_start(lo.end_date));
    if lo.hours > 0 {
        g.add(
            offer.clone(),
            term(ELM, "duration"),
            Literal::new_typed_literal(format!("PT{}H", lo.hours), xsd::DURATION),
        );
    }
    g.concept(
        offer.clone(),
        term(ELM, "mode"),
        NamedNode::new_unchecked(lo.mode.iri()),
    );
    if let Some(deadline) = lo.application_deadline {
        g.add(
            offer.clone(),
            term(ELM, "applicationDeadline"),
            day_start(deadline),
        );
    }
    if let Some(price) = &lo.price {
        if !vocab::is_decimal(&price.amount) {
            return refuse(
                "price.amount",
                format!("{:?} is not a decimal", price.amount),
            );
        }
        let detail = id(&["price"]);
        let amount = id(&["price", "amount"]);
        g.add(offer.clone(), term(ELM, "priceDetail"), detail.clone());
        g.a(detail.clone(), "PriceDetail");
        g.add(detail, term(ELM, "amount"), amount.clone());
        g.a(amount.clone(), "Amount");
        g.concept(
            amount.clone(),
            term(ELM, "unit"),
            currency_iri(&price.currency)?,
        );
        g.add(
            amount,
            rdf::VALUE.into_owned(),
            Literal::new_typed_literal(price.amount.clone(), xsd::DECIMAL),
        );
    }
    if let Some(address) = &lo.location {
        let place = id(&["location"]);
        g.location(&offer, &place, address)?;
    }
    g.concept(
        offer.clone(),
        term(ELM, "defaultLanguage"),
        language_iri(&lo.default_language)?,
    );
    g.add(
        offer.clone(),
        term(DCT, "modified"),
        Literal::new_typed_literal(timestamp_text(lo.modified), xsd::DATE_TIME),
    );
    g.add(
        offer,
        term(ELM, "status"),
        Literal::new_simple_literal(lo.status.clone()),
    );
    Ok(g.quads)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const BASE: &str = "https://hub.example/";

    pub(crate) fn sample() -> LearningOpportunity {
        LearningOpportunity {
            id: "0b5e5c1e-9f3a-4c4e-8f55-2d3f0a1b2c3d".into(),
            titles: vec![
                Text {
                    language: "pl".into(),
                    text: "Zarządzanie projektami".into(),
                },
                Text {
                    language: "en".into(),
                    text: "Project management".into(),
                },
            ],
            descriptions: vec![Text {
                language: "pl".into(),
                text: "Kurs <b>\"dla\"</b> kierowników".into(),
            }],
            homepage: "https://hub.example/offers/0b5e5c1e-9f3a-4c4e-8f55-2d3f0a1b2c3d".into(),
            provider: Organisation {
                id: "provider 1/../x".into(),
                legal_name: "Akademia Szkoleń".into(),
                homepage: None,
                address: Some(Address {
                    street: Some("ul. Długa 5".into()),
                    postal_code: Some("00-001".into()),
                    city: Some("Warszawa".into()),
                    country: "PL".into(),
                }),
            },
            default_language: "pl".into(),
            languages: vec!["pl".into(), "en".into()],
            isced_f_code: Some("0413".into()),
            learning_outcomes: vec![vec![Text {
                language: "pl".into(),
                text: "Planuje projekt".into(),
            }]],
            esco_skills: vec![
                "http://data.europa.eu/esco/skill/58095196-d766-4a5c-b16c-d941489f8e66".into(),
            ],
            achievement: Achievement::Specification { eqf_level: Some(5) },
            start_date: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            end_date: NaiveDate::from_ymd_opt(2027, 3, 5).unwrap(),
            hours: 16,
            mode: Mode::Hybrid,
            application_deadline: NaiveDate::from_ymd_opt(2027, 2, 20),
            price: Some(Price {
                amount: "3900.00".into(),
                currency: "PLN".into(),
            }),
            location: Some(Address {
                street: None,
                postal_code: None,
                city: Some("Kraków".into()),
                country: "PL".into(),
            }),
            modified: DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            status: "published".into(),
        }
    }

    fn has(quads: &[Quad], s: &str, p: &str, o: &str) -> bool {
        quads.iter().any(|q| {
            q.subject.to_string() == s
                && q.predicate.as_str() == p.trim_start_matches('<').trim_end_matches('>')
                && q.object.to_string() == o
        })
    }

    #[test]
    fn an_offer_is_a_learning_opportunity_in_its_own_graph() {
        let lo = sample();
        let quads = learning_opportunity(&lo, BASE).unwrap();
        let offer = format!("<https://hub.example/id/offer/{}>", lo.id);
        assert!(quads.iter().all(|q| q.graph_name.to_string() == offer));
        let elm = |n: &str| format!("<{ELM}{n}>");
        assert!(has(
            &quads,
            &offer,
            &format!("<{}>", rdf::TYPE.as_str()),
            &elm("LearningOpportunity")
        ));
        assert!(has(
            &quads,
            &offer,
            "<http://purl.org/dc/terms/title>",
            "\"Zarządzanie projektami\"@pl"
        ));
        assert!(has(
            &quads,
            &offer,
            "<http://purl.org/dc/terms/title>",
            "\"Project management\"@en"
        ));
        assert!(has(
            &quads,
            &offer,
            &elm("mode"),
            "<http://data.europa.eu/snb/learning-assessment/e92d221e4d>"
        ));
        assert!(has(
            &quads,
            &offer,
            &elm("defaultLanguage"),
            "<http://publications.europa.eu/resource/authority/language/POL>"
        ));
        assert!(has(
            &quads,
            &offer,
            &elm("duration"),
            "\"PT16H\"^^<http://www.w3.org/2001/XMLSchema#duration>"
        ));
        let spec = format!("<https://hub.example/id/offer/{}/specification>", lo.id);
        assert!(has(
            &quads,
            &spec,
            &elm("educationLevel"),
            "<http://data.europa.eu/snb/eqf/5>"
        ));
        assert!(has(
            &quads,
            &spec,
            &elm("ISCEDFCode"),
            "<http://data.europa.eu/snb/isced-f/0413>"
        ));
        let outcome = format!("<https://hub.example/id/offer/{}/outcome/1>", lo.id);
        assert!(has(
            &quads,
            &outcome,
            &elm("relatedESCOSkill"),
            "<http://data.europa.eu/esco/skill/58095196-d766-4a5c-b16c-d941489f8e66>"
        ));
        let amount = format!("<https://hub.example/id/offer/{}/price/amount>", lo.id);
        assert!(has(
            &quads,
            &amount,
            &elm("unit"),
            "<http://publications.europa.eu/resource/authority/currency/PLN>"
        ));
        assert!(has(
            &quads,
            &amount,
            &format!("<{}>", rdf::VALUE.as_str()),
            "\"3900.00\"^^<http://www.w3.org/2001/XMLSchema#decimal>"
        ));
    }

    #[test]
    fn text_never_reaches_an_iri_unescaped() {
        let quads = learning_opportunity(&sample(), BASE).unwrap();
        let provider = "<https://hub.example/id/organisation/provider%201%2F..%2Fx>";
        assert!(quads.iter().any(|q| q.subject.to_string() == provider));
        for q in &quads {
            for iri in [q.subject.to_string(), q.object.to_string()] {
                if iri.starts_with('<') {
                    assert!(!iri.contains(' ') && !iri.contains("/../"), "{iri}");
                }
            }
        }
    }

    #[test]
    fn the_same_offer_maps_to_the_same_graph() {
        let a = learning_opportunity(&sample(), BASE).unwrap();
        let b = learning_opportunity(&sample(), BASE).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_named_qualification_is_a_reference_and_free_offers_have_no_price() {
        let mut lo = sample();
        lo.achievement = Achievement::Reference {
            scheme: "PRK".into(),
            identifier: "QDR-123".into(),
        };
        lo.price = None;
        lo.location = None;
        lo.mode = Mode::Online;
        let quads = learning_opportunity(&lo, BASE).unwrap();
        let spec = "<https://hub.example/id/qualification/QDR-123>";
        assert!(has(
            &quads,
            spec,
            &format!("<{}>", rdf::TYPE.as_str()),
            &format!("<{ELM}QualificationReference>")
        ));
        assert!(!quads
            .iter()
            .any(|q| q.predicate.as_str().ends_with("priceDetail")));
        assert!(!quads
            .iter()
            .any(|q| q.predicate.as_str() == format!("{ELM}location")
                && q.subject.to_string().contains("/offer/")));
    }

    #[test]
    fn an_address_without_an_eu_country_code_is_left_out_not_the_offer() {
        let mut lo = sample();
        lo.provider.address.as_mut().unwrap().country = "XX".into();
        let quads = learning_opportunity(&lo, BASE).unwrap();
        assert!(!quads
            .iter()
            .any(|q| q.subject.to_string().contains("/organisation/")
                && q.predicate.as_str() == format!("{ELM}location")));
        assert!(quads
            .iter()
            .any(|q| q.predicate.as_str() == format!("{ELM}providedBy")));
    }

    #[test]
    fn values_the_vocabularies_lack_are_refused_by_field() {
        let mut lo = sample();
        lo.esco_skills = vec!["http://example.org/skill/1".into()];
        assert_eq!(
            learning_opportunity(&lo, BASE).unwrap_err().field,
            "esco_skills"
        );
        let mut lo = sample();
        lo.achievement = Achievement::Specification { eqf_level: Some(9) };
        assert_eq!(
            learning_opportunity(&lo, BASE).unwrap_err().field,
            "eqf_level"
        );
    }
}
