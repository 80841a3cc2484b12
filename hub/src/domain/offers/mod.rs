//! Training offers: what the public catalogue reads, and how an offer is written.
//!
//! An offer's text lives in `offer_translations`, one row per language; the default language's
//! row is the offer's own text and the others are its translations. Only `published` offers are
//! public (registry.md); every write appends its outbox event in the same transaction.

pub mod input;
pub mod workflow;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::money::Money;
use crate::db::outbox::{self, NewEvent};
use crate::db::schema::{offer_translations, offers, organisations};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

pub const LANGUAGES: [&str; 4] = ["en", "pl", "it", "el"];
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
pub struct Session {
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
    pub status: String,
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
    pub schedule: Vec<Session>,
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
    /// Places taken (accepted, enrolled, completed, failed applications): derived, never typed.
    pub participants_count: i64,
    pub places_left: i64,
    pub trainers: Vec<crate::domain::trainers::NamedTrainer>,
    /// The service rating (1–5) over visible ratings.
    pub rating: crate::domain::ratings::Summary,
    /// For staff and superadmins only: the review state and any pending revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<workflow::Review>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offers)]
struct OfferRow {
    id: String,
    version: i32,
    status: String,
    provider_id: String,
    default_language: String,
    industry: String,
    isced_f_code: Option<String>,
    esco_skills: String,
    languages: String,
    mode: String,
    vr_ar: bool,
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country: Option<String>,
    start_date: NaiveDate,
    end_date: NaiveDate,
    application_deadline: Option<NaiveDate>,
    schedule: String,
    hours: i32,
    price_minor: i64,
    price_currency: String,
    subsidised: bool,
    eqf_level: Option<i32>,
    ects: Option<f64>,
    min_participants: i32,
    max_participants: i32,
    microcredential: bool,
    qualification_refs: String,
    chamilo_course_code: Option<String>,
    created_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    published_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offer_translations)]
struct TranslationRow {
    offer_id: String,
    language: String,
    title: String,
    description: String,
    learning_outcomes: String,
    acquired_documents: String,
    validation: Option<String>,
    target_group: Option<String>,
    participant_requirements: Option<String>,
    staff_requirements: Option<String>,
    vr_ar_instructions: Option<String>,
}

impl TranslationRow {
    fn into_text(self) -> Result<(String, OfferText), Error> {
        Ok((
            self.language,
            OfferText {
                title: self.title,
                description: self.description,
                learning_outcomes: serde_json::from_str(&self.learning_outcomes)?,
                acquired_documents: serde_json::from_str(&self.acquired_documents)?,
                validation: self.validation,
                target_group: self.target_group,
                participant_requirements: self.participant_requirements,
                staff_requirements: self.staff_requirements,
                vr_ar_instructions: self.vr_ar_instructions,
            },
        ))
    }
}

fn assemble(
    row: OfferRow,
    provider_name: String,
    mut texts: BTreeMap<String, OfferText>,
) -> Result<Offer, Error> {
    let text = texts.remove(&row.default_language).unwrap_or_default();
    let has_address = row.street.is_some() || row.city.is_some() || row.country.is_some();
    Ok(Offer {
        text_language: row.default_language.clone(),
        text_is_fallback: false,
        provider: ProviderRef {
            id: row.provider_id,
            name: provider_name,
        },
        text,
        translations: texts,
        esco_skills: serde_json::from_str(&row.esco_skills)?,
        languages: serde_json::from_str(&row.languages)?,
        schedule: serde_json::from_str(&row.schedule)?,
        qualification_refs: serde_json::from_str(&row.qualification_refs)?,
        address: has_address.then_some(Address {
            street: row.street,
            postal_code: row.postal_code,
            city: row.city,
            country: row.country,
        }),
        price: Money::from_minor(row.price_minor, &row.price_currency),
        id: row.id,
        version: row.version,
        status: row.status,
        default_language: row.default_language,
        industry: row.industry,
        isced_f_code: row.isced_f_code,
        mode: row.mode,
        vr_ar: row.vr_ar,
        start_date: row.start_date,
        end_date: row.end_date,
        application_deadline: row.application_deadline,
        hours: row.hours,
        subsidised: row.subsidised,
        eqf_level: row.eqf_level,
        ects: row.ects,
        min_participants: row.min_participants,
        max_participants: row.max_participants,
        microcredential: row.microcredential,
        chamilo_course_code: row.chamilo_course_code,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        published_at: row.published_at.map(|t| t.and_utc()),
        review: None,
        participants_count: 0,
        places_left: 0,
        trainers: Vec::new(),
        rating: Default::default(),
    })
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

/// Loads full offers for rows already fetched, with their provider names and every translation.
fn with_texts(conn: &mut DbConnection, rows: Vec<(OfferRow, String)>) -> Result<Vec<Offer>, Error> {
    let ids: Vec<&str> = rows.iter().map(|(r, _)| r.id.as_str()).collect();
    let mut texts: BTreeMap<String, BTreeMap<String, OfferText>> = BTreeMap::new();
    let translations: Vec<TranslationRow> = offer_translations::table
        .filter(offer_translations::offer_id.eq_any(&ids))
        .select(TranslationRow::as_select())
        .load(conn)?;
    for t in translations {
        let offer_id = t.offer_id.clone();
        let (language, text) = t.into_text()?;
        texts.entry(offer_id).or_default().insert(language, text);
    }
    let seated: Vec<(String, i64)> = crate::db::schema::applications::table
        .filter(crate::db::schema::applications::offer_id.eq_any(&ids))
        .filter(crate::db::schema::applications::status.eq_any(crate::domain::applications::SEATED))
        .group_by(crate::db::schema::applications::offer_id)
        .select((
            crate::db::schema::applications::offer_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let seated: BTreeMap<String, i64> = seated.into_iter().collect();
    let mut trainers = crate::domain::trainers::of_offers(conn, &ids)?;
    let ratings = crate::domain::ratings::by_offer(conn, &ids)?;
    rows.into_iter()
        .map(|(row, provider)| {
            let t = texts.remove(&row.id).unwrap_or_default();
            let taken = seated.get(&row.id).copied().unwrap_or(0);
            let mut offer = assemble(row, provider, t)?;
            offer.participants_count = taken;
            offer.places_left = (i64::from(offer.max_participants) - taken).max(0);
            offer.trainers = trainers.remove(&offer.id).unwrap_or_default();
            offer.rating = ratings.get(&offer.id).copied().unwrap_or_default();
            Ok(offer)
        })
        .collect()
}

/// Who may see an unpublished offer; the public sees published ones only.
#[derive(Debug, Clone, Copy)]
pub enum Visibility<'a> {
    Public,
    /// Staff of this provider organisation see its offers in every status.
    Provider(&'a str),
    Everything,
}

pub fn get(conn: &mut DbConnection, id: &str, visibility: Visibility) -> Result<Offer, Error> {
    let not_found = || Error::NotFound(format!("offer {id}"));
    let row: Option<(OfferRow, String)> = offers::table
        .inner_join(organisations::table)
        .filter(offers::id.eq(id))
        .select((OfferRow::as_select(), organisations::name))
        .first(conn)
        .optional()?;
    let (row, provider) = row.ok_or_else(not_found)?;
    let visible = match visibility {
        Visibility::Everything => true,
        Visibility::Provider(org) => row.provider_id == org || row.status == "published",
        Visibility::Public => row.status == "published",
    };
    if !visible {
        return Err(not_found());
    }
    with_texts(conn, vec![(row, provider)])?
        .pop()
        .ok_or_else(not_found)
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

/// Published offers in id order, after `after`: how the catalogue's search index is built.
pub fn published_batch(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Offer>, Error> {
    let mut query = offers::table
        .inner_join(organisations::table)
        .filter(offers::status.eq("published"))
        .select((OfferRow::as_select(), organisations::name))
        .order(offers::id)
        .limit(limit)
        .into_boxed::<<DbConnection as Connection>::Backend>();
    if let Some(after) = after {
        query = query.filter(offers::id.gt(after.to_string()));
    }
    let rows: Vec<(OfferRow, String)> = query.load(conn)?;
    with_texts(conn, rows)
}

/// These offers in this order, leaving out any that is not (or no longer) published.
pub fn published_in_order(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<Offer>, Error> {
    let rows: Vec<(OfferRow, String)> = offers::table
        .inner_join(organisations::table)
        .filter(offers::status.eq("published"))
        .filter(offers::id.eq_any(ids))
        .select((OfferRow::as_select(), organisations::name))
        .load(conn)?;
    let mut by_id: BTreeMap<String, (OfferRow, String)> =
        rows.into_iter().map(|r| (r.0.id.clone(), r)).collect();
    let ordered = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    with_texts(conn, ordered)
}

/// What a provider submits to create an offer (validated by [`NewOffer::validate`]); also the
/// stored form of a pending revision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewOffer {
    pub provider_id: String,
    pub default_language: String,
    pub texts: BTreeMap<String, OfferText>,
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
    pub schedule: Vec<Session>,
    pub hours: i32,
    pub price_minor: i64,
    pub price_currency: String,
    pub subsidised: bool,
    pub eqf_level: Option<i32>,
    pub ects: Option<f64>,
    pub min_participants: i32,
    pub max_participants: i32,
    pub microcredential: bool,
    pub qualification_refs: Vec<QualificationRef>,
}

impl NewOffer {
    /// Every rule of an offer's fields, each failure naming its field as the API spells it.
    pub fn validate(&self) -> Result<(), Error> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, code: &str, message: &str| {
            errors.push(FieldError::new(field, code, message));
        };
        if !LANGUAGES.contains(&self.default_language.as_str()) {
            bad(
                "default_language",
                "invalid",
                "must be one of en, pl, it, el",
            );
        }
        for lang in self.texts.keys() {
            if !LANGUAGES.contains(&lang.as_str()) {
                bad(
                    &format!("translations.{lang}"),
                    "invalid",
                    "language must be en, pl, it or el",
                );
            }
        }
        match self.texts.get(&self.default_language) {
            Some(t) if !t.title.trim().is_empty() => {
                if t.description.trim().is_empty() {
                    bad("description", "required", "an offer needs a description");
                }
            }
            _ => bad(
                "title",
                "required",
                "an offer needs a title in its default language",
            ),
        }
        if self.industry.trim().is_empty() {
            bad("industry", "required", "choose an industry");
        }
        if let Some(code) = &self.isced_f_code {
            if !rdf::vocab::is_isced_f_code(code) {
                bad(
                    "isced_f_code",
                    "invalid",
                    "an ISCED-F code has 2 to 4 digits",
                );
            }
        }
        for (i, uri) in self.esco_skills.iter().enumerate() {
            if !rdf::vocab::is_esco_skill_uri(uri) {
                bad(
                    &format!("esco_skills[{i}]"),
                    "invalid",
                    "not an ESCO skill URI",
                );
            }
        }
        if self.languages.is_empty() {
            bad(
                "languages",
                "required",
                "name at least one language of instruction",
            );
        }
        if !MODES.contains(&self.mode.as_str()) {
            bad(
                "mode",
                "invalid",
                "must be onsite, online, hybrid or blended",
            );
        }
        if matches!(self.mode.as_str(), "onsite" | "hybrid")
            && self
                .address
                .as_ref()
                .and_then(|a| a.city.as_ref())
                .is_none()
        {
            bad(
                "address.city",
                "required",
                "onsite and hybrid offers need a city",
            );
        }
        if self.end_date < self.start_date {
            bad("end_date", "before_start", "must not be before start_date");
        }
        if self
            .application_deadline
            .is_some_and(|d| d > self.start_date)
        {
            bad(
                "application_deadline",
                "after_start",
                "must not be after start_date",
            );
        }
        if self.hours <= 0 {
            bad("hours", "invalid", "must be greater than 0");
        }
        if super::money::minor_digits(&self.price_currency).is_none() {
            bad("price.currency", "invalid", "not an ISO 4217 currency code");
        }
        if self.price_minor < 0 {
            bad("price.amount", "invalid", "must not be negative");
        }
        if self.eqf_level.is_some_and(|l| !(1..=8).contains(&l)) {
            bad("eqf_level", "invalid", "EQF levels run from 1 to 8");
        }
        if self.ects.is_some_and(|e| e.is_nan() || e < 0.0) {
            bad("ects", "invalid", "must not be negative");
        }
        if self.min_participants < 1 {
            bad("min_participants", "invalid", "must be at least 1");
        }
        if self.max_participants < self.min_participants {
            bad(
                "max_participants",
                "below_min",
                "must not be below min_participants",
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(errors))
        }
    }
}

/// Creates a draft offer (with its `offer.created` event) and returns its id.
pub fn create(
    conn: &mut DbConnection,
    new: &NewOffer,
    actor: Option<&str>,
) -> Result<String, Error> {
    new.validate()?;
    let now = Utc::now().naive_utc();
    let id = Uuid::new_v4().to_string();
    let address = new.address.clone().unwrap_or(Address {
        street: None,
        postal_code: None,
        city: None,
        country: None,
    });
    let row = OfferRow {
        id: id.clone(),
        version: 1,
        status: "draft".into(),
        provider_id: new.provider_id.clone(),
        default_language: new.default_language.clone(),
        industry: new.industry.clone(),
        isced_f_code: new.isced_f_code.clone(),
        esco_skills: serde_json::to_string(&new.esco_skills)?,
        languages: serde_json::to_string(&new.languages)?,
        mode: new.mode.clone(),
        vr_ar: new.vr_ar,
        street: address.street,
        postal_code: address.postal_code,
        city: address.city,
        country: address.country.map(|c| c.to_ascii_uppercase()),
        start_date: new.start_date,
        end_date: new.end_date,
        application_deadline: new.application_deadline,
        schedule: serde_json::to_string(&new.schedule)?,
        hours: new.hours,
        price_minor: new.price_minor,
        price_currency: new.price_currency.clone(),
        subsidised: new.subsidised,
        eqf_level: new.eqf_level,
        ects: new.ects,
        min_participants: new.min_participants,
        max_participants: new.max_participants,
        microcredential: new.microcredential,
        qualification_refs: serde_json::to_string(&new.qualification_refs)?,
        chamilo_course_code: None,
        created_by: actor.map(str::to_string),
        created_at: now,
        updated_at: now,
        published_at: None,
    };
    write_transaction(conn, |conn| {
        diesel::insert_into(offers::table)
            .values(&row)
            .execute(conn)?;
        write_state(conn, &id, new, false)?;
        outbox::append(
            conn,
            NewEvent {
                kind: "offer.created",
                subject_type: "offer",
                subject_id: id.clone(),
                actor_id: actor.map(str::to_string),
                payload: serde_json::json!({ "provider_id": new.provider_id }),
            },
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// Writes `new` into the offer `id`: its texts always, its other fields too when `replace_row`
/// (an edit or an approved revision; a new offer's row was just inserted with them).
fn write_state(
    conn: &mut DbConnection,
    id: &str,
    new: &NewOffer,
    replace_row: bool,
) -> Result<(), Error> {
    new.validate()?;
    if replace_row {
        let address = new.address.clone().unwrap_or(Address {
            street: None,
            postal_code: None,
            city: None,
            country: None,
        });
        diesel::update(offers::table.filter(offers::id.eq(id)))
            .set((
                offers::default_language.eq(&new.default_language),
                offers::industry.eq(&new.industry),
                offers::isced_f_code.eq(&new.isced_f_code),
                offers::esco_skills.eq(serde_json::to_string(&new.esco_skills)?),
                offers::languages.eq(serde_json::to_string(&new.languages)?),
                offers::mode.eq(&new.mode),
                offers::vr_ar.eq(new.vr_ar),
                offers::street.eq(address.street),
                offers::postal_code.eq(address.postal_code),
                offers::city.eq(address.city),
                offers::country.eq(address.country.map(|c| c.to_ascii_uppercase())),
                offers::start_date.eq(new.start_date),
                offers::end_date.eq(new.end_date),
                offers::application_deadline.eq(new.application_deadline),
                offers::schedule.eq(serde_json::to_string(&new.schedule)?),
                offers::hours.eq(new.hours),
                offers::price_minor.eq(new.price_minor),
                offers::price_currency.eq(&new.price_currency),
                offers::subsidised.eq(new.subsidised),
                offers::eqf_level.eq(new.eqf_level),
                offers::ects.eq(new.ects),
                offers::min_participants.eq(new.min_participants),
                offers::max_participants.eq(new.max_participants),
                offers::microcredential.eq(new.microcredential),
                offers::qualification_refs.eq(serde_json::to_string(&new.qualification_refs)?),
            ))
            .execute(conn)?;
        diesel::delete(offer_translations::table.filter(offer_translations::offer_id.eq(id)))
            .execute(conn)?;
    }
    for (language, t) in &new.texts {
        let tr = TranslationRow {
            offer_id: id.to_string(),
            language: language.clone(),
            title: t.title.clone(),
            description: t.description.clone(),
            learning_outcomes: serde_json::to_string(&t.learning_outcomes)?,
            acquired_documents: serde_json::to_string(&t.acquired_documents)?,
            validation: t.validation.clone(),
            target_group: t.target_group.clone(),
            participant_requirements: t.participant_requirements.clone(),
            staff_requirements: t.staff_requirements.clone(),
            vr_ar_instructions: t.vr_ar_instructions.clone(),
        };
        diesel::insert_into(offer_translations::table)
            .values(&tr)
            .execute(conn)?;
    }
    Ok(())
}

/// Publishes an offer (the end of the approval workflow, registry.md), bumping its version.
pub fn publish(conn: &mut DbConnection, id: &str, actor: Option<&str>) -> Result<(), Error> {
    let now = Utc::now().naive_utc();
    write_transaction(conn, |conn| {
        let n = diesel::update(offers::table.filter(offers::id.eq(id)))
            .set((
                offers::status.eq("published"),
                offers::published_at.eq(now),
                offers::updated_at.eq(now),
                offers::version.eq(offers::version + 1),
            ))
            .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        outbox::append(
            conn,
            NewEvent {
                kind: "offer.published",
                subject_type: "offer",
                subject_id: id.to_string(),
                actor_id: actor.map(str::to_string),
                payload: serde_json::json!({}),
            },
        )?;
        Ok(())
    })
}

/// The offer's title in `lang`, else in its default language (for messages about it).
pub fn title_in(conn: &mut DbConnection, id: &str, lang: &str) -> Result<String, Error> {
    let titles: Vec<(String, String, String)> = offer_translations::table
        .inner_join(offers::table)
        .filter(offer_translations::offer_id.eq(id))
        .select((
            offer_translations::language,
            offers::default_language,
            offer_translations::title,
        ))
        .load(conn)?;
    titles
        .iter()
        .find(|(l, _, _)| l == lang)
        .or_else(|| titles.iter().find(|(l, default, _)| l == default))
        .map(|(_, _, t)| t.clone())
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

/// The provider organisation and status of an offer (for authorising a change).
pub fn provider_and_status(conn: &mut DbConnection, id: &str) -> Result<(String, String), Error> {
    offers::table
        .filter(offers::id.eq(id))
        .select((offers::provider_id, offers::status))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

pub fn count_all(conn: &mut DbConnection) -> Result<i64, Error> {
    Ok(offers::table.count().get_result(conn)?)
}
