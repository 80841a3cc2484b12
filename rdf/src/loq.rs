//! The same offers as `elm` maps, as a LOQ 3.3.1 `Courses` document (europass.md, "One mapping,
//! two serialisations"), written as a stream.
//!
//! The schema wants every learning opportunity first, then every specification, outcome,
//! organisation and location, each declared once and linked by `idref`. One pass over the offers
//! writes the opportunities straight to the output and the other sections to anonymous
//! temporary files, appended at [`Courses::finish`]: memory holds one offer and the ids of the
//! organisations already declared, never the document, whatever its size.
//!
//! The ids are the IRIs the RDF graph uses, so both serialisations name the same things. Before
//! an offer is written, [`check`] holds it to the schema's rules that the offer alone decides; an
//! offer that breaks one is refused whole (nothing of it is written) and named in the error.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::elm::{
    self, country_iri, currency_iri, language_iri, minted, Achievement, Address,
    LearningOpportunity, MappingError,
};
use crate::vocab;

/// The LOQ application profile's namespace as of ELM 3.3.
pub const NAMESPACE: &str = "http://data.europa.eu/snb/model/application-profile/loq-constraints/";
/// The `xsdVersion` the documents declare, and the schema they are valid against.
pub const XSD_VERSION: &str = "3.3.1";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const COURSE: &str = "http://data.europa.eu/snb/learning-opportunity/05053c1cbe";

/// Why an offer could not be added: it breaks a rule (nothing of it was written), or the output
/// failed.
#[derive(Debug, thiserror::Error)]
pub enum LoqError {
    #[error("offer {offer}: {error}")]
    Offer { offer: String, error: MappingError },
    #[error("writing the document: {0}")]
    Io(#[from] io::Error),
}

/// The schema's rules an offer can break by itself, checked before anything of it is written:
/// the ELM mapping's (every vocabulary value has its IRI), and what LOQ requires beyond it (a
/// provider located in a country with an EU code, a specification's field of education and
/// language of instruction).
pub fn check(lo: &LearningOpportunity) -> Result<(), MappingError> {
    let refuse = |field: &'static str, message: &str| {
        Err(MappingError {
            field,
            message: message.to_string(),
        })
    };
    elm::learning_opportunity(lo, "https://check.invalid/")?;
    if lo.provider.legal_name.trim().is_empty() {
        return refuse("provider.legal_name", "the provider needs a name");
    }
    match &lo.provider.address {
        None => return refuse("provider.country", "the provider's country is not known"),
        Some(a) => {
            country_iri(&a.country)?;
        }
    }
    if elm::web_address(&lo.homepage).is_none() {
        return refuse("homepage", "the offer's page is not an http(s) address");
    }
    if let Achievement::Reference { identifier, .. } = &lo.achievement {
        if identifier.trim().is_empty() || xml_chars(identifier) != identifier.as_str() {
            return refuse(
                "qualification_refs.identifier",
                "a qualification's identifier must be text XML can carry",
            );
        }
    }
    if let Achievement::Specification { .. } = lo.achievement {
        if lo.isced_f_code.is_none() {
            return refuse(
                "isced_f_code",
                "a specification needs its ISCED-F field of education",
            );
        }
        if lo.languages.is_empty() {
            return refuse(
                "languages",
                "a specification needs its language of instruction",
            );
        }
    }
    Ok(())
}

/// One section of the document waiting in a temporary file.
struct Spool(BufWriter<File>);

impl Spool {
    fn new() -> io::Result<Self> {
        Ok(Self(BufWriter::new(tempfile::tempfile()?)))
    }

    /// Copies the section to `out`.
    fn append_to(self, out: &mut impl Write) -> io::Result<()> {
        let mut file = self.0.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        io::copy(&mut file, out)?;
        Ok(())
    }
}

/// A `Courses` document being written to `W`.
pub struct Courses<W: Write> {
    out: W,
    base: String,
    specifications: Spool,
    outcomes: Spool,
    agents: Spool,
    locations: Spool,
    /// Entities several offers share, declared by the first of them.
    declared: HashSet<String>,
    count: usize,
}

impl<W: Write> Courses<W> {
    /// Starts the document for the hub at `base` (its public URL).
    pub fn new(mut out: W, base: &str) -> io::Result<Self> {
        let mut head = Xml::new();
        head.0
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .expect(IN_MEMORY);
        head.open(
            "Courses",
            &[
                ("xmlns", NAMESPACE),
                ("xmlns:skos", SKOS),
                ("xsdVersion", XSD_VERSION),
            ],
        );
        head.open("learningOpportunityReferences", &[]);
        out.write_all(&head.0.into_inner())?;
        Ok(Self {
            out,
            base: base.to_string(),
            specifications: Spool::new()?,
            outcomes: Spool::new()?,
            agents: Spool::new()?,
            locations: Spool::new()?,
            declared: HashSet::new(),
            count: 0,
        })
    }

    /// Opportunities written so far.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds `lo`, or refuses it whole when it breaks a rule [`check`] knows.
    pub fn add(&mut self, lo: &LearningOpportunity) -> Result<(), LoqError> {
        check(lo).map_err(|error| LoqError::Offer {
            offer: lo.id.clone(),
            error,
        })?;
        let parts = self.render(lo);
        self.out.write_all(&parts.opportunity)?;
        self.specifications.0.write_all(&parts.specification)?;
        self.outcomes.0.write_all(&parts.outcomes)?;
        self.agents.0.write_all(&parts.agents)?;
        self.locations.0.write_all(&parts.locations)?;
        self.declared.extend(parts.declared);
        self.count += 1;
        Ok(())
    }

    /// Closes the document and hands back the output.
    pub fn finish(mut self) -> io::Result<W> {
        let close = |name: &str| format!("</{name}>");
        self.out
            .write_all(close("learningOpportunityReferences").as_bytes())?;
        for (name, spool) in [
            (
                "learningAchievementSpecificationReferences",
                self.specifications,
            ),
            ("learningOutcomeReferences", self.outcomes),
            ("agentReferences", self.agents),
            ("locationReferences", self.locations),
        ] {
            write!(self.out, "<{name}>")?;
            spool.append_to(&mut self.out)?;
            self.out.write_all(close(name).as_bytes())?;
        }
        self.out.write_all(close("Courses").as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// The offer's part of each section, in the schema's element order (LearningOpportunityType,
    /// LearningAchievementSpecificationType, …). Only called on a checked offer.
    fn render(&self, lo: &LearningOpportunity) -> Parts {
        let base = self.base.as_str();
        let offer_iri = |segments: &[&str]| {
            let mut all = vec!["offer", lo.id.as_str()];
            all.extend_from_slice(segments);
            minted(base, &all).into_string()
        };
        let language = lo.default_language.as_str();
        let mut declared = Vec::new();
        let mut new_entity = |id: &str| {
            let fresh = !self.declared.contains(id) && !declared.iter().any(|d| d == id);
            if fresh {
                declared.push(id.to_string());
            }
            fresh
        };

        // The provider and where it is: declared by its first offer.
        let provider = minted(base, &["organisation", &lo.provider.id]).into_string();
        let seat = format!("{provider}/location");
        let (mut agents, mut locations) = (Xml::new(), Xml::new());
        if new_entity(&provider) {
            agents.open("organisation", &[("id", &provider)]);
            agents.text("legalName", language, lo.provider.legal_name.trim());
            if let Some(home) = lo.provider.homepage.as_deref().and_then(elm::web_address) {
                agents.web_resource("homepage", home);
            }
            agents.empty("location", &[("idref", &seat)]);
            agents.close("organisation");
            if let Some(address) = &lo.provider.address {
                locations.location(&seat, address, language);
            }
        }
        let place = offer_iri(&["location"]);
        let located = lo
            .location
            .as_ref()
            .filter(|a| country_iri(&a.country).is_ok());
        if let Some(address) = located {
            locations.location(&place, address, language);
        }

        // What it leads to.
        let mut specification = Xml::new();
        let mut outcomes = Xml::new();
        let spec = match &lo.achievement {
            Achievement::Reference { scheme, identifier } => {
                let reference = elm::qualification_reference(base, identifier).into_string();
                if new_entity(&reference) {
                    specification.open("qualificationReference", &[("id", &reference)]);
                    specification.open("identifier", &[]);
                    specification.plain("skos:notation", identifier);
                    specification.plain("schemeName", scheme);
                    specification.close("identifier");
                    specification.close("qualificationReference");
                }
                reference
            }
            Achievement::Specification { eqf_level } => {
                let spec = offer_iri(&["specification"]);
                specification.open("learningAchievementSpecification", &[("id", &spec)]);
                specification.texts("title", &lo.titles);
                if let Some(iri) = lo.isced_f_code.as_deref().and_then(vocab::isced_f_iri) {
                    specification.empty("ISCEDFCode", &[("uri", &iri)]);
                }
                if let Some(iri) = eqf_level.and_then(|l| vocab::eqf_iri(i32::from(l))) {
                    specification.empty("educationLevel", &[("uri", &iri)]);
                }
                for code in &lo.languages {
                    if let Ok(iri) = language_iri(code) {
                        specification.empty("language", &[("uri", iri.as_str())]);
                    }
                }
                specification.empty("mode", &[("uri", &lo.mode.iri())]);
                for (n, texts) in elm::outcomes(lo).iter().enumerate() {
                    let outcome = offer_iri(&["outcome", &(n + 1).to_string()]);
                    specification.empty("learningOutcome", &[("idref", &outcome)]);
                    outcomes.open("learningOutcome", &[("id", &outcome)]);
                    outcomes.texts("title", texts);
                    for skill in &lo.esco_skills {
                        outcomes.empty("relatedESCOSkill", &[("uri", skill)]);
                    }
                    outcomes.close("learningOutcome");
                }
                specification.close("learningAchievementSpecification");
                spec
            }
        };

        // The opportunity itself.
        let mut o = Xml::new();
        o.open("learningOpportunity", &[("id", &offer_iri(&[]))]);
        o.texts("title", &lo.titles);
        o.texts("description", &lo.descriptions);
        o.empty("type", &[("uri", COURSE)]);
        o.web_resource("homepage", &lo.homepage);
        o.open("temporal", &[]);
        o.plain("startDate", &elm::day_start_text(lo.start_date));
        o.plain("endDate", &elm::day_start_text(lo.end_date));
        o.close("temporal");
        if lo.hours > 0 {
            o.plain("duration", &format!("PT{}H", lo.hours));
        }
        o.empty("mode", &[("uri", &lo.mode.iri())]);
        if let Some(deadline) = lo.application_deadline {
            o.plain("applicationDeadline", &elm::day_start_text(deadline));
        }
        if let Some(price) = &lo.price {
            if let Ok(unit) = currency_iri(&price.currency) {
                o.open("priceDetail", &[]);
                o.open("amount", &[]);
                o.empty("unit", &[("uri", unit.as_str())]);
                o.plain("value", &price.amount);
                o.close("amount");
                o.close("priceDetail");
            }
        }
        o.empty("providedBy", &[("idref", &provider)]);
        if located.is_some() {
            o.empty("location", &[("idref", &place)]);
        }
        o.empty("learningAchievementSpecification", &[("idref", &spec)]);
        if let Ok(iri) = language_iri(&lo.default_language) {
            o.empty("defaultLanguage", &[("uri", iri.as_str())]);
        }
        o.plain("status", &lo.status);
        o.plain("modified", &elm::timestamp_text(lo.modified));
        o.close("learningOpportunity");

        Parts {
            opportunity: o.0.into_inner(),
            specification: specification.0.into_inner(),
            outcomes: outcomes.0.into_inner(),
            agents: agents.0.into_inner(),
            locations: locations.0.into_inner(),
            declared,
        }
    }
}

/// One offer's share of each section.
struct Parts {
    opportunity: Vec<u8>,
    specification: Vec<u8>,
    outcomes: Vec<u8>,
    agents: Vec<u8>,
    locations: Vec<u8>,
    declared: Vec<String>,
}

const IN_MEMORY: &str = "writing to memory cannot fail";

/// An XML fragment being written in memory.
struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn new() -> Self {
        Self(Writer::new(Vec::new()))
    }

    fn start<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> BytesStart<'a> {
        BytesStart::new(name).with_attributes(attrs.iter().copied())
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.0
            .write_event(Event::Start(Self::start(name, attrs)))
            .expect(IN_MEMORY);
    }

    fn close(&mut self, name: &str) {
        self.0
            .write_event(Event::End(BytesEnd::new(name)))
            .expect(IN_MEMORY);
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.0
            .write_event(Event::Empty(Self::start(name, attrs)))
            .expect(IN_MEMORY);
    }

    fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        let text = xml_chars(text);
        self.open(name, attrs);
        self.0
            .write_event(Event::Text(BytesText::new(&text)))
            .expect(IN_MEMORY);
        self.close(name);
    }

    fn plain(&mut self, name: &str, text: &str) {
        self.element(name, &[], text);
    }

    /// Text in `language` (`rdf:LangStringType`).
    fn text(&mut self, name: &str, language: &str, text: &str) {
        self.element(name, &[("language", language)], text);
    }

    fn texts(&mut self, name: &str, texts: &[elm::Text]) {
        for t in texts.iter().filter(|t| !t.text.trim().is_empty()) {
            self.text(name, &t.language, t.text.trim());
        }
    }

    fn web_resource(&mut self, name: &str, url: &str) {
        self.open(name, &[]);
        self.plain("contentUrl", url);
        self.close(name);
    }

    /// A `location` entity (LocationType) with its one address.
    fn location(&mut self, id: &str, address: &Address, language: &str) {
        let Ok(country) = country_iri(&address.country) else {
            return;
        };
        self.open("location", &[("id", id)]);
        if let Some(city) = address.city.as_deref().filter(|c| !c.trim().is_empty()) {
            self.text("geographicName", language, city.trim());
        }
        self.open("address", &[]);
        if let Some(full) = elm::full_address(address) {
            self.open("fullAddress", &[]);
            self.text("noteLiteral", language, &full);
            self.close("fullAddress");
        }
        self.empty("countryCode", &[("uri", country.as_str())]);
        self.close("address");
        self.close("location");
    }
}

/// `text` without the characters XML 1.0 cannot carry (control characters pasted in with text;
/// quick-xml escapes markup but leaves these, and one would make the whole document invalid).
fn xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        text.into()
    } else {
        text.chars()
            .filter(|&c| allowed(c))
            .collect::<String>()
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elm::tests::sample;

    const BASE: &str = "https://hub.example/";

    fn document(offers: &[LearningOpportunity]) -> String {
        let mut doc = Courses::new(Vec::new(), BASE).unwrap();
        for lo in offers {
            doc.add(lo).unwrap();
        }
        String::from_utf8(doc.finish().unwrap()).unwrap()
    }

    #[test]
    fn entities_are_declared_once_and_referenced_by_id() {
        let a = sample();
        let mut b = sample();
        b.id = "second".into();
        let xml = document(&[a.clone(), b]);
        let provider = "https://hub.example/id/organisation/provider%201%2F..%2Fx";
        assert_eq!(
            xml.matches(&format!("<organisation id=\"{provider}\""))
                .count(),
            1
        );
        assert_eq!(
            xml.matches(&format!("<providedBy idref=\"{provider}\"/>"))
                .count(),
            2
        );
        assert_eq!(xml.matches("<learningOpportunity id=").count(), 2);
        // The schema's section order.
        let at = |s: &str| xml.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(
            at("<learningOpportunityReferences>")
                < at("<learningAchievementSpecificationReferences>")
        );
        assert!(
            at("<learningAchievementSpecificationReferences>") < at("<learningOutcomeReferences>")
        );
        assert!(at("<learningOutcomeReferences>") < at("<agentReferences>"));
        assert!(at("<agentReferences>") < at("<locationReferences>"));
    }

    #[test]
    fn text_is_escaped_and_stripped_of_what_xml_cannot_carry() {
        let mut lo = sample();
        lo.descriptions[0].text = "a <b>&</b> \u{1}c".into();
        let xml = document(&[lo]);
        assert!(xml.contains("a &lt;b&gt;&amp;&lt;/b&gt; c"), "{xml}");
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn an_offer_that_breaks_a_rule_is_refused_whole_and_named() {
        let mut lo = sample();
        lo.isced_f_code = None;
        let mut doc = Courses::new(Vec::new(), BASE).unwrap();
        match doc.add(&lo) {
            Err(LoqError::Offer { offer, error }) => {
                assert_eq!(offer, lo.id);
                assert_eq!(error.field, "isced_f_code");
            }
            other => panic!("{other:?}"),
        }
        assert!(doc.is_empty());
        let xml = String::from_utf8(doc.finish().unwrap()).unwrap();
        assert!(!xml.contains("<learningOpportunity "), "{xml}");
        assert!(!xml.contains("<organisation "), "{xml}");
    }

    #[test]
    fn blank_outcomes_and_broken_websites_are_left_out_not_written() {
        let mut lo = sample();
        lo.learning_outcomes = vec![
            vec![elm::Text {
                language: "pl".into(),
                text: "  ".into(),
            }],
            lo.learning_outcomes[0].clone(),
        ];
        lo.provider.homepage = Some("https://p.example/a%zz".into());
        let xml = document(&[lo]);
        assert_eq!(xml.matches("<learningOutcome id=").count(), 1, "{xml}");
        assert!(!xml.contains("a%zz"));
        for bad in [
            "https://p.example/#a#b",
            "https://p.example/[x]",
            "ftp://p.example/",
        ] {
            assert_eq!(elm::web_address(bad), None, "{bad}");
        }
        assert!(elm::web_address("https://p.example/a%20b#top").is_some());
    }

    #[test]
    fn a_provider_of_unknown_country_cannot_be_published() {
        let mut lo = sample();
        lo.provider.address = None;
        assert_eq!(check(&lo).unwrap_err().field, "provider.country");
    }
}
