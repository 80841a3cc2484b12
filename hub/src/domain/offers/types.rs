//! What an offer is, as the API shows it and as the catalogue asks for it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::money::Money;
use crate::domain::vocabulary::{OfferStatus, RevisionStatus};

pub const MODES: [&str; 4] = ["onsite", "online", "hybrid", "blended"];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Address {
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
/// One meeting of a course (`schedule` in api.md): not to be confused with a sign-in session.
pub struct ScheduleSlot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub topic: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct QualificationRef {
    pub scheme: String,
    pub identifier: String,
}

/// Every translatable field of an offer, in one language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OfferText {
    pub title: String,
    pub description: String,
    pub learning_outcomes: Vec<String>,
    pub acquired_documents: Vec<String>,
    pub validation: Option<String>,
    pub target_group: Option<String>,
    pub participant_requirements: Option<String>,
    pub staff_requirements: Option<String>,
    pub vr_ar_instructions: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ProviderRef {
    pub id: String,
    pub name: String,
}

/// An offer as the API shows it (api.md, Offers). The top-level text is the default language's;
/// `translations` holds the other languages.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Offer {
    pub id: String,
    pub version: i32,
    pub status: OfferStatus,
    pub provider: ProviderRef,
    pub default_language: String,
    #[serde(flatten)]
    pub text: OfferText,
    /// The language of the text above: the one asked for (`?lang=`) when the offer has it,
    /// else the default language, and then `text_is_fallback` says so (web.md).
    pub text_language: String,
    pub text_is_fallback: bool,
    pub translations: BTreeMap<String, OfferText>,
    pub industry: String,
    pub isced_f_code: Option<String>,
    pub esco_skills: Vec<String>,
    pub languages: Vec<String>,
    pub mode: String,
    pub vr_ar: bool,
    pub address: Option<Address>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub application_deadline: Option<NaiveDate>,
    pub schedule: Vec<ScheduleSlot>,
    pub hours: i32,
    pub price: Money,
    pub subsidised: bool,
    pub eqf_level: Option<i32>,
    pub ects: Option<f64>,
    pub min_participants: i32,
    pub max_participants: i32,
    pub microcredential: bool,
    pub qualification_refs: Vec<QualificationRef>,
    pub chamilo_course_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// For staff and superadmins only: the review state and any pending revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

impl Offer {
    /// Shows the text in `lang` when the offer has it, else in its default language (marked as
    /// a fallback); the other languages stay in `translations`.
    pub fn in_language(mut self, lang: Option<&str>) -> Self {
        let Some(lang) = lang.filter(|l| *l != self.default_language) else {
            return self;
        };
        match self.translations.remove(lang) {
            Some(text) => {
                let default_text = std::mem::replace(&mut self.text, text);
                self.translations
                    .insert(self.default_language.clone(), default_text);
                self.text_language = lang.to_string();
            }
            None => self.text_is_fallback = true,
        }
        self
    }
}

/// Who may see an unpublished offer; the public sees published ones only.
#[derive(Debug, Clone, Copy)]
pub enum Visibility<'a> {
    Public,
    /// Staff of this provider organisation see its offers in every status.
    Provider(&'a str),
    Everything,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    StartDate,
    Price,
    Title,
    Rating,
    CreatedAt,
    /// How well the offer matches the text query (only with one).
    Relevance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// The catalogue's filters; every one is optional and they combine with AND.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub industry: Option<String>,
    pub mode: Option<String>,
    pub language: Option<String>,
    pub vr_ar: Option<bool>,
    pub microcredential: Option<bool>,
    pub eqf_level: Option<i32>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub provider: Option<String>,
    pub starts_after: Option<NaiveDate>,
    pub starts_before: Option<NaiveDate>,
    /// Bounds on the gross price in the offer's own currency, in millionths of its major unit
    /// (so 199.99 is 199_990_000): exact for every ISO 4217 currency, with no floating point.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// ISO 4217: only offers priced in this currency.
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// The language to show texts in (`?lang=`); filtering does not depend on it, but sorting by
    /// title does.
    pub lang: Option<String>,
    /// Words every offer found must contain, in any of its languages (`?q=`).
    pub text: Option<String>,
    pub filter: Filter,
    /// `None`: by relevance with a text query, else by start date.
    pub sort: Option<(SortField, Direction)>,
    pub page: i64,
    pub page_size: i64,
}

impl ListQuery {
    pub fn order(&self) -> (SortField, Direction) {
        self.sort.unwrap_or(match self.text {
            Some(_) => (SortField::Relevance, Direction::Desc),
            None => (SortField::StartDate, Direction::Asc),
        })
    }
}

pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub facets: Facets,
}

/// How many offers of the whole filtered set (not just the page) have each value (api.md,
/// `meta.facets`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Facets {
    pub industry: BTreeMap<String, i64>,
    pub mode: BTreeMap<String, i64>,
    pub language: BTreeMap<String, i64>,
    pub eqf_level: BTreeMap<String, i64>,
}

/// What staff and superadmins see of an offer's review, besides the offer itself.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Review {
    pub rejection_reason: Option<String>,
    /// The state of the pending revision, if any.
    pub revision_status: Option<RevisionStatus>,
    pub revision_reason: Option<String>,
    /// The revision's full new state, in the shape of an offer input.
    pub revision: Option<serde_json::Value>,
}
